import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemo } from '../../src/cli/demo.ts';
import { storeKinds } from '../helpers/stores.ts';
import { Browser, hiddenField, startServer, type TestServer } from '../helpers/server.ts';

const unescape = (s: string): string =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

describe.each(storeKinds)('home page walkthrough on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { throttle: false });
  });
  afterAll(() => server.close());

  it('without the demo app, the home page explains how to register an app', async () => {
    const page = await (await fetch(`${server.url}/`)).text();
    expect(page).toContain('Register an app');
    expect(page).toContain('tollgate client add');
    // Issue 17: with no account and no demo, the page says how to make one and own the app.
    expect(page).toContain(
      "npx tollgate user add --email you@example.com --password 'at least 8 characters'",
    );
    expect(page).toContain('--owner you@example.com</pre>');
  });

  it('walks the seed flow with real requests: code, exchange, user info, refresh, revoke; tokens stay masked', async () => {
    const demo = await ensureDemo(server.store, ':memory:', server.url, server.now());
    server.app.tollgate.setDemo(demo);
    const browser = new Browser(server.url);
    const home = await (await browser.get('/')).text();
    expect(home).toContain('Start the authorization');
    expect(browser.cookieHeader()).toMatch(/tg_walkthrough=/);
    const start = unescape(
      /<a class="button" href="([^"]+)">Start the authorization/.exec(home)?.[1] ?? '',
    );
    const authUrl = new URL(start, server.url);
    expect(Object.fromEntries(authUrl.searchParams)).toMatchObject({
      client_id: demo.clientId,
      redirect_uri: `${server.url}/demo/callback`,
      access_type: 'offline',
    });

    const login = await (await browser.get(start)).text();
    const signedIn = await browser.post('/login', {
      _csrf: hiddenField(login, '_csrf'),
      return_to: hiddenField(login, 'return_to'),
      email: demo.email,
      password: demo.password,
    });
    const consent = await (await browser.get(signedIn.headers.get('location') ?? '/')).text();
    const accepted = await browser.post('/oauth/v2/auth', {
      _csrf: hiddenField(consent, '_csrf'),
      request: hiddenField(consent, 'request'),
      decision: 'accept',
    });
    const callback = new URL(accepted.headers.get('location') ?? '');
    expect(callback.pathname).toBe('/demo/callback');
    const code = callback.searchParams.get('code') ?? '';
    const callbackPage = await (await browser.get(callback.pathname + callback.search)).text();
    expect(callbackPage).toContain(`<code id="demo-code">${code}</code>`);

    const step = async (name: string): Promise<string> => {
      const page = await (await browser.get('/')).text();
      const res = await browser.post(`/demo/${name}`, { _csrf: hiddenField(page, '_csrf') });
      expect(res.status).toBe(303);
      return await (await browser.get('/')).text();
    };
    let page = await step('exchange');
    expect(page).toContain('POST /oauth/v2/token HTTP/1.1');
    expect(page).toContain('HTTP/1.1 200 OK');
    expect(page).toMatch(/&quot;access_token&quot;: &quot;1000\.[0-9a-f]{4}…\*{6}&quot;/);
    expect(page).toMatch(/client_secret=[0-9a-f]{9}…\*{6}&amp;/);
    expect(page).not.toContain(demo.clientSecret);
    page = await step('userinfo');
    expect(page).toContain('GET /oauth/user/info HTTP/1.1');
    expect(page).toContain(`&quot;Email&quot;: &quot;${demo.email}&quot;`);
    page = await step('refresh');
    expect(page).toContain('grant_type=refresh_token');
    page = await step('revoke');
    expect(page).toContain('&quot;status&quot;: &quot;success&quot;');
    page = await step('userinfo');
    expect(page).toMatch(/class="http-response">HTTP\/1.1 200 OK[\s\S]*?&quot;error&quot;/);

    // Another browser has no walkthrough, so its steps do nothing and see none of these tokens.
    const stranger = new Browser(server.url);
    const strangerPage = await (await stranger.get('/')).text();
    expect(strangerPage).not.toContain('POST /oauth/v2/token HTTP/1.1');
  });

  it('a callback whose state is not this browser’s is ignored', async () => {
    const browser = new Browser(server.url);
    await browser.get('/');
    const page = await (await browser.get('/demo/callback?code=1000.abc&state=forged')).text();
    expect(page).toContain('its state differs');
    expect(page).not.toContain('id="demo-code"');
  });
});
