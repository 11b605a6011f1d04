/**
 * SPEC R3: the authorization endpoint, and R9's sign-in and consent labels over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  authorizeUrl,
  Browser,
  hiddenField,
  signIn,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

describe.each(storeKinds)('R3 authorization endpoint on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { location: 'eu' });
  });
  afterAll(() => server.close());

  async function signedIn(): Promise<{
    browser: Browser;
    user: { email: string; password: string; zuid: number };
  }> {
    const user = await server.addUser();
    const browser = new Browser(server.url);
    const res = await signIn(browser, user.email, user.password);
    expect(res.status).toBe(303);
    return { browser, user };
  }

  it('R3.2: an unknown client gets an HTML error page with status 400, never a redirect', async () => {
    const res = await new Browser(server.url).get(
      authorizeUrl({ clientId: '1000.UNKNOWN', redirectUri: 'https://app.example.com/callback' }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('R3.2: a redirect URI that is not registered exactly gets an error page, never a redirect', async () => {
    const app = await server.addClient();
    for (const uri of [
      'https://app.example.com/callback/',
      'https://app.example.com/callbackx',
      'https://APP.example.com/callback',
      'https://app.example.com/callback?x=1',
      'https://evil.example.com/callback',
    ]) {
      const res = await new Browser(server.url).get(
        authorizeUrl({ clientId: app.clientId, redirectUri: uri }),
      );
      expect(res.status, uri).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('R3.2: mobile clients registered with a loopback http URI accept any port (RFC 8252 §7.3)', async () => {
    const app = await server.addClient({ type: 'mobile', redirectUris: ['http://127.0.0.1/cb'] });
    const { browser } = await signedIn();
    const ok = await browser.get(
      authorizeUrl({
        clientId: app.clientId,
        redirectUri: 'http://127.0.0.1:53122/cb',
        codeChallenge: 'a'.repeat(43),
        codeChallengeMethod: 'S256',
      }),
    );
    expect(ok.status).toBe(200);
    const server2 = await server.addClient({
      type: 'server',
      redirectUris: ['http://127.0.0.1/cb'],
    });
    const refused = await browser.get(
      authorizeUrl({ clientId: server2.clientId, redirectUri: 'http://127.0.0.1:53122/cb' }),
    );
    expect(refused.status).toBe(400);
  });

  it('R3.1: redirect_url is an alias of redirect_uri; both given and different is an error page', async () => {
    const app = await server.addClient();
    const { browser } = await signedIn();
    const alias = await browser.get(
      `/oauth/v2/auth?response_type=code&client_id=${app.clientId}&redirect_url=${encodeURIComponent(app.redirectUri)}&scope=AaaServer.profile.READ`,
    );
    expect(alias.status).toBe(200);
    const both = await browser.get(
      `/oauth/v2/auth?response_type=code&client_id=${app.clientId}&redirect_url=${encodeURIComponent(app.redirectUri)}&redirect_uri=${encodeURIComponent('https://app.example.com/x')}&scope=AaaServer.profile.READ`,
    );
    expect(both.status).toBe(400);
    expect(both.headers.get('location')).toBeNull();
  });

  it('R3.3: other errors go to the redirect URI with error, error_description and state', async () => {
    const app = await server.addClient();
    const { browser } = await signedIn();
    const cases: [Record<string, string>, string][] = [
      [{ scope: 'Nope.nothing.READ' }, 'invalid_scope'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ access_type: 'forever' }, 'invalid_request'],
      [{ prompt: 'sometimes' }, 'invalid_request'],
      [{ code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
    ];
    for (const [extra, error] of cases) {
      const res = await browser.get(
        authorizeUrl({
          clientId: app.clientId,
          redirectUri: app.redirectUri,
          state: 's t&x',
          extra,
        }),
      );
      expect(res.status).toBe(302);
      const loc = new URL(res.headers.get('location') ?? '');
      expect(loc.origin + loc.pathname).toBe(app.redirectUri);
      expect(loc.searchParams.get('error')).toBe(error);
      expect(loc.searchParams.get('error_description')).toBeTruthy();
      expect(loc.searchParams.get('state')).toBe('s t&x');
    }
  });

  it('R3.1: public clients must send a PKCE challenge', async () => {
    const app = await server.addClient({ type: 'client' });
    const { browser } = await signedIn();
    const res = await browser.get(
      authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri }),
    );
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'invalid_request',
    );
  });

  it('R3.4 and R9: not signed in shows the sign-in page with Email, Password and Sign in', async () => {
    const app = await server.addClient();
    const res = await new Browser(server.url).get(
      authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri }),
    );
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toMatch(/<label for="email">Email<\/label>/);
    expect(html).toMatch(/<label for="password">Password<\/label>/);
    expect(html).toMatch(/<button type="submit">Sign in<\/button>/);
  });

  it('R9: the consent page shows the app name and domain, each scope in plain words, Accept and Deny', async () => {
    const app = await server.addClient({ name: 'Zylker <Support>' });
    const { browser } = await signedIn();
    const res = await browser.get(
      authorizeUrl({
        clientId: app.clientId,
        redirectUri: app.redirectUri,
        scope: 'SalesIQ.chatdetails.READ,AaaServer.profile.READ',
      }),
    );
    const html = await res.text();
    expect(html).toContain('Zylker &lt;Support&gt;');
    expect(html).not.toContain('Zylker <Support>');
    expect(html).toContain('https://app.example.com');
    expect(html).toContain('Read the messages inside your chats');
    expect(html).toContain('See your name, email address and user ID');
    expect(html).toMatch(/value="accept">Accept<\/button>/);
    expect(html).toMatch(/value="deny"[^>]*>Deny<\/button>/);
  });

  it('R3.5: Accept redirects with code, state, location and accounts-server', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const redirect = await authorize(new Browser(server.url), user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      state: 'abc 123',
    });
    expect(redirect.searchParams.get('code')).toMatch(/^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/);
    expect(redirect.searchParams.get('state')).toBe('abc 123');
    expect(redirect.searchParams.get('location')).toBe('eu');
    expect(redirect.searchParams.get('accounts-server')).toBe(server.url);
  });

  it("R3.5: the app's own query parameters in the redirect URI are kept", async () => {
    const app = await server.addClient({ redirectUris: ['https://app.example.com/cb?tenant=7'] });
    const user = await server.addUser();
    const redirect = await authorize(new Browser(server.url), user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
    });
    expect(redirect.searchParams.get('tenant')).toBe('7');
    expect(redirect.searchParams.get('code')).toBeTruthy();
  });

  it('R3.5: Deny redirects with error=access_denied and the state', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const redirect = await authorize(
      new Browser(server.url),
      user,
      { clientId: app.clientId, redirectUri: app.redirectUri, state: 'q' },
      'deny',
    );
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe('q');
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('R3.4: consent is remembered per user and client; prompt=consent shows it again', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const browser = new Browser(server.url);
    await authorize(browser, user, { clientId: app.clientId, redirectUri: app.redirectUri });
    const again = await browser.get(
      authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri }),
    );
    expect(again.status).toBe(302);
    expect(new URL(again.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
    const prompted = await browser.get(
      authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri, prompt: 'consent' }),
    );
    expect(prompted.status).toBe(200);
    expect(await prompted.text()).toContain('value="accept"');
    const more = await browser.get(
      authorizeUrl({
        clientId: app.clientId,
        redirectUri: app.redirectUri,
        scope: 'AaaServer.profile.READ,SalesIQ.visitors.READ',
      }),
    );
    expect(more.status).toBe(200);
  });

  it('R3.4: the consent form refuses a post without the CSRF token', async () => {
    const app = await server.addClient();
    const { browser } = await signedIn();
    const page = await (
      await browser.get(authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri }))
    ).text();
    const res = await browser.post('/oauth/v2/auth', {
      request: hiddenField(page, 'request'),
      decision: 'accept',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
  });

  it('R3.1: the consent form re-validates the request it carries', async () => {
    const app = await server.addClient();
    const { browser } = await signedIn();
    const page = await (
      await browser.get(authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri }))
    ).text();
    const forged = hiddenField(page, 'request').replace(
      encodeURIComponent(app.redirectUri),
      encodeURIComponent('https://evil.example.com/'),
    );
    const res = await browser.post('/oauth/v2/auth', {
      _csrf: hiddenField(page, '_csrf'),
      request: forged,
      decision: 'accept',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('R9: sign-in with a wrong password and with an unknown email gets the same answer', async () => {
    const user = await server.addUser();
    const a = await signIn(new Browser(server.url), user.email, 'wrong password!');
    const b = await signIn(new Browser(server.url), 'nobody@example.com', 'wrong password!');
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    const strip = (s: string): string => s.replace(/value="[^"]*"/g, '');
    expect(strip(await a.text())).toBe(strip(await b.text()));
  });

  it('R9: signing in issues a new session id (no fixation), signing out ends it', async () => {
    const user = await server.addUser();
    const browser = new Browser(server.url);
    await signIn(browser, user.email, user.password);
    const first = browser.cookieHeader();
    await signIn(browser, user.email, user.password);
    const second = browser.cookieHeader();
    const session = (c: string): string | undefined => /tg_session=([^;]+)/.exec(c)?.[1];
    expect(session(first)).toBeTruthy();
    expect(session(second)).not.toBe(session(first));
  });

  it('R9: only same-site paths are returned to after sign-in', async () => {
    const user = await server.addUser();
    for (const evil of [
      'https://evil.example.com/',
      '//evil.example.com/',
      '/\\evil.example.com',
    ]) {
      const res = await signIn(new Browser(server.url), user.email, user.password, evil);
      expect(res.headers.get('location')).toBe('/');
    }
  });
});
