/**
 * Attack tests: account enumeration at sign-in, password guessing and session fixation (SPEC R5.5,
 * R9; RFC 6819 §5.1.4.2.3, §5.1.4.2.4; RFC 9700 §4.13; OWASP session management).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/core/ids.ts';
import { storeKinds } from '../helpers/stores.ts';
import { Browser, hiddenField, signIn, startServer, type TestServer } from '../helpers/server.ts';
import { median } from './attack-helpers.ts';

describe.each(storeKinds)('attack: sign-in on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  /** The answer to a failed sign-in, with the echoed email and the per-page CSRF token taken out. */
  async function failedSignIn(
    s: TestServer,
    email: string,
    password: string,
  ): Promise<{ status: number; page: string; cookies: string[] }> {
    const res = await signIn(new Browser(s.url), email, password);
    const page = (await res.text())
      .replaceAll(email, 'EMAIL')
      .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="TOKEN"');
    return {
      status: res.status,
      page,
      cookies: res.headers.getSetCookie().map((c) => c.split('=')[0] ?? ''),
    };
  }

  it('R9: an unknown email, a wrong password and a disabled account get the same answer', async () => {
    const known = await server.addUser();
    const disabled = await server.addUser();
    await server.store.setUserDisabled(disabled.zuid, true);
    const wrongPassword = await failedSignIn(server, known.email, 'not the password');
    const unknownEmail = await failedSignIn(
      server,
      `nobody-${Date.now()}@example.com`,
      'not the password',
    );
    const disabledAccount = await failedSignIn(server, disabled.email, disabled.password);
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail).toEqual(wrongPassword);
    expect(disabledAccount).toEqual(wrongPassword);
  });

  it('R5.5: the per-account throttle answers the same for an unknown email as for a known one', async () => {
    const known = await server.addUser();
    const unknown = `nobody-${Date.now()}@example.com`;
    const answers: Record<string, { status: number; page: string }> = {};
    for (const email of [known.email, unknown]) {
      for (let i = 0; i < 10; i++)
        expect((await failedSignIn(server, email, `guess${i}`)).status).toBe(401);
      const last = await failedSignIn(server, email, 'guess');
      answers[email] = { status: last.status, page: last.page };
    }
    expect(answers[known.email]?.status).toBe(429);
    expect(answers[unknown]).toEqual(answers[known.email]);
  }, 120_000);

  it('R9: an unknown email and a wrong password take comparable time (medians of 10 interleaved tries within 2x)', async () => {
    const quiet = await startServer(kind, { throttle: false });
    try {
      const known = await quiet.addUser();
      const browser = new Browser(quiet.url);
      const csrf = hiddenField(await (await browser.get('/login')).text(), '_csrf');
      const time = async (email: string): Promise<number> => {
        const start = process.hrtime.bigint();
        const res = await browser.post('/login', {
          _csrf: csrf,
          return_to: '/',
          email,
          password: 'not the password',
        });
        await res.body?.cancel();
        expect(res.status).toBe(401);
        return Number(process.hrtime.bigint() - start) / 1e6;
      };
      await time(known.email);
      await time('warm-up@example.com');
      const wrongPassword: number[] = [];
      const unknownEmail: number[] = [];
      for (let i = 0; i < 10; i++) {
        wrongPassword.push(await time(known.email));
        unknownEmail.push(await time(`nobody${i}@example.com`));
      }
      const ratio = median(wrongPassword) / median(unknownEmail);
      expect(
        ratio,
        `wrong password ${median(wrongPassword).toFixed(1)} ms, unknown email ${median(unknownEmail).toFixed(1)} ms`,
      ).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
    } finally {
      await quiet.close();
    }
  }, 120_000);

  it("R5.5: the per-address throttle counts the connection's address; a forged X-Forwarded-For does not escape it (RFC 9700 §4.13)", async () => {
    const strict = await startServer(kind, { loginAddressLimit: 3 });
    try {
      const browser = new Browser(strict.url);
      const csrf = hiddenField(await (await browser.get('/login')).text(), '_csrf');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await browser.post(
          '/login',
          { _csrf: csrf, return_to: '/', email: `someone${i}@example.com`, password: 'x' },
          { 'x-forwarded-for': `203.0.113.${i}` },
        );
        await res.body?.cancel();
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await strict.close();
    }
  }, 60_000);

  it('R5.5, R5.6: 30 wrong passwords for one account at once get exactly loginLimit checks (401), the rest 429, and then the right password waits too', async () => {
    const strict = await startServer(kind, { loginLimit: 5, loginAddressLimit: 1000 });
    try {
      const user = await strict.addUser();
      const browser = new Browser(strict.url);
      const csrf = hiddenField(await (await browser.get('/login')).text(), '_csrf');
      const attempt = async (password: string): Promise<number> => {
        const res = await browser.post('/login', {
          _csrf: csrf,
          return_to: '/',
          email: user.email,
          password,
        });
        await res.body?.cancel();
        return res.status;
      };
      const statuses = await Promise.all(
        Array.from({ length: 30 }, (_, i) => attempt(`wrong-${i}`)),
      );
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(25);
      expect(await attempt(user.password)).toBe(429);
    } finally {
      await strict.close();
    }
  }, 60_000);

  it('R5.5: successful sign-ins do not use up the address limit; failures do', async () => {
    const strict = await startServer(kind, { loginAddressLimit: 3 });
    try {
      const user = await strict.addUser();
      for (let i = 0; i < 5; i++) {
        const res = await signIn(new Browser(strict.url), user.email, user.password);
        await res.body?.cancel();
        expect(res.status).toBe(303);
      }
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await signIn(new Browser(strict.url), `nobody${i}@example.com`, 'x');
        await res.body?.cancel();
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await strict.close();
    }
  }, 60_000);

  it('R9: a session id planted before sign-in is not adopted (no session fixation)', async () => {
    const user = await server.addUser();
    const browser = new Browser(server.url);
    const planted = 'attacker-chosen-session-id';
    const csrf = hiddenField(await (await browser.get('/login')).text(), '_csrf');
    const res = await browser.post(
      '/login',
      { _csrf: csrf, return_to: '/console', email: user.email, password: user.password },
      { cookie: `${browser.cookieHeader()}; tg_session=${planted}` },
    );
    expect(res.status).toBe(303);
    const issued = res.headers.getSetCookie().find((c) => c.startsWith('tg_session='));
    expect(issued).toBeDefined();
    expect(issued).not.toContain(planted);
    const asAttacker = await fetch(`${server.url}/console`, {
      redirect: 'manual',
      headers: { cookie: `tg_session=${planted}` },
    });
    expect(asAttacker.status).toBe(303);
    expect(asAttacker.headers.get('location')).toMatch(/^\/login/);
  });

  it('R9: signing in again replaces the session: the old id stops working', async () => {
    const first = await server.addUser();
    const second = await server.addUser();
    const browser = new Browser(server.url);
    await signIn(browser, first.email, first.password);
    const oldCookie = browser.cookieHeader();
    await signIn(browser, second.email, second.password);
    expect(browser.cookieHeader()).not.toBe(oldCookie);
    const old = await fetch(`${server.url}/console`, {
      redirect: 'manual',
      headers: { cookie: oldCookie },
    });
    expect(old.status).toBe(303);
    const current = await browser.get('/console');
    expect(current.status).toBe(200);
    expect(await current.text()).toContain(second.email);
  });

  it('R9: the session cookie is HttpOnly and SameSite=Lax, and Secure when the issuer is https; the CSRF cookie is SameSite=Strict', async () => {
    const secure = await startServer(kind, { issuer: 'https://accounts.example.com' });
    try {
      const user = await secure.addUser();
      const browser = new Browser(secure.url);
      const login = await browser.get('/login');
      const csrfCookie = login.headers.getSetCookie().find((c) => c.startsWith('tg_csrf=')) ?? '';
      expect(csrfCookie).toMatch(/HttpOnly/i);
      expect(csrfCookie).toMatch(/SameSite=Strict/i);
      expect(csrfCookie).toMatch(/Secure/i);
      const res = await browser.post('/login', {
        _csrf: hiddenField(await login.text(), '_csrf'),
        return_to: '/',
        email: user.email,
        password: user.password,
      });
      const session = res.headers.getSetCookie().find((c) => c.startsWith('tg_session=')) ?? '';
      expect(session).toMatch(/HttpOnly/i);
      expect(session).toMatch(/SameSite=Lax/i);
      expect(session).toMatch(/Secure/i);
    } finally {
      await secure.close();
    }
  });

  it('passwords are stored as salted scrypt hashes (two accounts with one password store different hashes)', async () => {
    const a = await server.addUser(undefined, 'same password');
    const b = await server.addUser(undefined, 'same password');
    const ha = (await server.store.findUserByEmail(a.email))?.passwordHash ?? '';
    const hb = (await server.store.findUserByEmail(b.email))?.passwordHash ?? '';
    expect(ha).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(ha).not.toBe(hb);
    expect(ha).not.toContain('same password');
  });

  it('R1: the session id is random and long, and only its hash is stored', async () => {
    const user = await server.addUser();
    const res = await signIn(new Browser(server.url), user.email, user.password);
    const id = /tg_session=([^;]+)/.exec(res.headers.getSetCookie().join(';'))?.[1] ?? '';
    expect(id.length).toBeGreaterThanOrEqual(43);
    expect(await server.store.findSession(id, server.now())).toBeUndefined();
    expect((await server.store.findSession(hashSecret(id), server.now()))?.zuid).toBe(user.zuid);
  });
});
