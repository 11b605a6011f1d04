/**
 * Security headers (issue 2): CSP with frame-ancestors 'none', no-store where tokens or codes
 * appear, no Referer leaks, and the session cookie's flags.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorizeUrl,
  Browser,
  hiddenField,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

describe.each(storeKinds.slice(0, 1))('security headers on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  it('pages cannot be framed and load nothing from elsewhere', async () => {
    const res = await fetch(`${server.url}/login`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('token responses, errors and the consent page are not cached', async () => {
    const app = await server.addClient();
    const err = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(err.headers.get('cache-control')).toBe('no-store');
    const user = await server.addUser();
    const browser = new Browser(server.url);
    const loginPage = await (await browser.get('/login')).text();
    const login = await browser.post('/login', {
      _csrf: hiddenField(loginPage, '_csrf'),
      return_to: '/',
      email: user.email,
      password: user.password,
    });
    expect(login.headers.get('cache-control')).toBe('no-store');
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('tg_session=')) ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const consent = await browser.get(
      authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri }),
    );
    expect(consent.headers.get('cache-control')).toBe('no-store');
  });
});
