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

  it('protocol and API answers carry the REST set: no framing, no sniffing, a CSP that allows nothing', async () => {
    const apiPaths = [
      '/oauth/user/info',
      '/.well-known/oauth-authorization-server',
      '/oauth/v2/token',
    ];
    for (const path of apiPaths) {
      const res = await fetch(`${server.url}${path}`, {
        method: path === '/oauth/v2/token' ? 'POST' : 'GET',
      });
      const generic = [
        'content-type',
        'content-length',
        'date',
        'connection',
        'keep-alive',
        'cache-control',
        'www-authenticate',
        'vary',
        'pragma',
      ];
      const names: string[] = [];
      res.headers.forEach((_value, name) => {
        if (!generic.includes(name)) names.push(name);
      });
      expect({ path, names: names.sort() }).toEqual({
        path,
        names: [
          'content-security-policy',
          'cross-origin-resource-policy',
          'referrer-policy',
          'strict-transport-security',
          'x-content-type-options',
          'x-frame-options',
        ],
      });
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    // Pages (and paths nothing serves) keep the whole document set.
    for (const path of ['/login', '/no-such-page']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
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
