import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/core/ids.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  Browser,
  hiddenField,
  postForm,
  signIn,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

/** A signed-in browser on the console, with the CSRF token of its last page. */
async function consoleUser(server: TestServer) {
  const user = await server.addUser();
  const browser = new Browser(server.url);
  await signIn(browser, user.email, user.password, '/console');
  const csrf = async (path = '/console'): Promise<string> =>
    hiddenField(await (await browser.get(path)).text(), '_csrf');
  const create = async (form: Record<string, string>) =>
    browser.post('/console/apps', { _csrf: await csrf(), type: 'server', ...form });
  return { user, browser, csrf, create };
}

const GOOD = {
  name: 'My App',
  domain: 'https://myapp.example',
  redirect_uris: 'https://myapp.example/callback',
};

describe.each(storeKinds)('developer console on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { throttle: false });
  });
  afterAll(() => server.close());

  it('R9: the console form has the labels Client Name, Client Domain, Authorized Redirect URIs, Client Type and the button Create', async () => {
    const { browser } = await consoleUser(server);
    const page = await (await browser.get('/console')).text();
    for (const [id, label] of [
      ['client-name', 'Client Name'],
      ['client-domain', 'Client Domain'],
      ['redirect-uris', 'Authorized Redirect URIs'],
      ['client-type', 'Client Type'],
    ]) {
      expect(page).toContain(`<label for="${id}">${label}</label>`);
      expect(page).toContain(`id="${id}"`);
    }
    expect(page).toMatch(/<button type="submit">Create<\/button>/);
  });

  it('the console sends a visitor who is not signed in to the sign-in page and back', async () => {
    const res = await new Browser(server.url).get('/console');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?return_to=%2Fconsole');
    const form = new Browser(server.url);
    const csrf = hiddenField(await (await form.get('/login')).text(), '_csrf');
    const posted = await form.post('/console/apps/1000.X/rotate-secret', { _csrf: csrf });
    expect(posted.headers.get('location')).toBe('/login?return_to=%2Fconsole');
  });

  it.each([
    ['server', GOOD.redirect_uris],
    ['client', 'https://spa.example/cb'],
    ['mobile', 'com.example.app:/oauth2redirect'],
    ['self', ''],
  ])(
    'R2: a %s client is created, owned by its creator, and its secret (if confidential) is shown once',
    async (type, uris) => {
      const { user, browser, create } = await consoleUser(server);
      const res = await create({ ...GOOD, type, redirect_uris: uris });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const page = await res.text();
      const clientId = /id="client-id"[^>]*>([^<]+)</.exec(page)?.[1] ?? '';
      const secret = /id="client-secret"[^>]*>([^<]+)</.exec(page)?.[1] ?? '';
      expect(clientId).toMatch(/^1000\.[A-Z0-9]{30}$/);
      if (type === 'client' || type === 'mobile') {
        // Issue 17: a public app (RFC 6749 §2.1) has no secret, so none is shown or accepted.
        expect(secret).toMatch(/^None\. A (browser|mobile) app cannot keep a secret/);
        expect(page).not.toMatch(/[0-9a-f]{42}/);
        expect(page).not.toContain('shown only this once');
        const appPage = await (await browser.get(`/console/apps/${clientId}`)).text();
        expect(appPage).not.toContain('Rotate secret');
        return;
      }
      expect(secret).toMatch(/^[0-9a-f]{42}$/);
      const stored = await server.store.findClient(clientId);
      expect(stored).toMatchObject({
        type,
        ownerZuid: user.zuid,
        redirectUris: uris ? [uris] : [],
      });
      expect(stored?.secretHash).toBe(hashSecret(secret));
      expect(page).toContain('/oauth/v2/token');
      if (type !== 'self') expect(page).toContain('/oauth/v2/auth?response_type=code');
      const appPage = await (await browser.get(`/console/apps/${clientId}`)).text();
      expect(appPage).toContain(clientId);
      expect(appPage).not.toContain(secret);
    },
  );

  it.each([
    ['an empty name', { name: '' }, 'Client Name is required.'],
    [
      'a 101-character name',
      { name: 'x'.repeat(101) },
      'Client Name must be at most 100 characters.',
    ],
    [
      'a javascript: redirect URI',
      { redirect_uris: 'javascript:alert(1)' },
      'may not use the javascript: scheme',
    ],
    [
      'a redirect URI with a fragment',
      { redirect_uris: 'https://myapp.example/cb#frag' },
      'must not contain a fragment',
    ],
    [
      '21 redirect URIs',
      {
        redirect_uris: Array.from({ length: 21 }, (_, i) => `https://myapp.example/cb${i}`).join(
          '\n',
        ),
      },
      'At most 20 Authorized Redirect URIs',
    ],
    ['a domain that is not a URL', { domain: 'myapp' }, 'Client Domain must be an http(s) URL'],
    [
      'an http redirect URI on a public host',
      { redirect_uris: 'http://myapp.example/cb' },
      'must use https',
    ],
    ['an unknown client type', { type: 'robot' }, 'Client Type must be one of'],
  ])(
    'R2: %s is refused beside its field, the form keeps what was typed, and nothing is stored',
    async (_what, bad, message) => {
      const { user, create } = await consoleUser(server);
      const typed = { ...GOOD, ...bad };
      const res = await create(typed);
      expect(res.status).toBe(400);
      const page = await res.text();
      expect(page).toMatch(
        new RegExp(
          `class="field-error" id="[a-z-]+-error" role="alert">[^<]*${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      );
      expect(page).toContain('aria-invalid="true"');
      if (typed.name.length > 0) expect(page).toContain(`value="${typed.name}"`);
      expect(page).toContain(typed.domain);
      expect(await server.store.listClients(user.zuid)).toEqual([]);
    },
  );

  it('R2: a form without its CSRF token is refused and stores nothing', async () => {
    const { user, browser } = await consoleUser(server);
    const res = await browser.post('/console/apps', { ...GOOD, type: 'server' });
    expect(res.status).toBe(403);
    expect(await server.store.listClients(user.zuid)).toEqual([]);
  });

  it("another user's app id in a URL gives 404, on every page and form", async () => {
    const owner = await consoleUser(server);
    const page = await (await owner.create(GOOD)).text();
    const clientId = /id="client-id"[^>]*>([^<]+)</.exec(page)?.[1] ?? '';
    const other = await consoleUser(server);
    const csrf = await other.csrf();
    expect((await other.browser.get(`/console/apps/${clientId}`)).status).toBe(404);
    expect((await other.browser.get(`/console/apps/${clientId}/delete`)).status).toBe(404);
    for (const path of ['', '/rotate-secret', '/delete', '/code']) {
      const res = await other.browser.post(`/console/apps/${clientId}${path}`, {
        _csrf: csrf,
        ...GOOD,
      });
      expect(res.status, path).toBe(404);
    }
    expect((await other.browser.get('/console/apps/1000.NOSUCHAPP')).status).toBe(404);
    expect(
      (await other.browser.post(`/account/connected-apps/${clientId}/revoke`, { _csrf: csrf }))
        .status,
    ).toBe(404);
    expect((await server.store.findClient(clientId))?.name).toBe('My App');
    expect(await (await other.browser.get('/console')).text()).not.toContain(clientId);
  });

  it('R2: editing changes name, domain and redirect URIs, and bad values are refused beside the field', async () => {
    const { browser, create, csrf } = await consoleUser(server);
    const clientId =
      /id="client-id"[^>]*>([^<]+)</.exec(await (await create(GOOD)).text())?.[1] ?? '';
    const bad = await browser.post(`/console/apps/${clientId}`, {
      _csrf: await csrf(`/console/apps/${clientId}`),
      name: 'Renamed',
      domain: GOOD.domain,
      redirect_uris: 'javascript:x',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('value="Renamed"');
    expect((await server.store.findClient(clientId))?.name).toBe('My App');
    const ok = await browser.post(`/console/apps/${clientId}`, {
      _csrf: await csrf(`/console/apps/${clientId}`),
      name: 'Renamed',
      domain: 'https://renamed.example',
      redirect_uris: 'https://renamed.example/a\nhttps://renamed.example/b',
    });
    expect(ok.status).toBe(303);
    expect(await server.store.findClient(clientId)).toMatchObject({
      name: 'Renamed',
      domain: 'https://renamed.example',
      redirectUris: ['https://renamed.example/a', 'https://renamed.example/b'],
    });
  });

  it('R2: Rotate secret stops the old secret at once; Delete revokes every token of the app', async () => {
    const { user, browser, create, csrf } = await consoleUser(server);
    const created = await (await create({ ...GOOD, type: 'self', redirect_uris: '' })).text();
    const clientId = /id="client-id"[^>]*>([^<]+)</.exec(created)?.[1] ?? '';
    const oldSecret = /id="client-secret"[^>]*>([^<]+)</.exec(created)?.[1] ?? '';
    const ccGrant = (secret: string) =>
      postForm(server.url, '/oauth/v2/token', {
        grant_type: 'client_credentials',
        soid: 'ZohoSalesIQ.600123434',
        client_id: clientId,
        client_secret: secret,
        scope: 'AaaServer.profile.READ',
      });
    const before = await ccGrant(oldSecret);
    expect(before.body.access_token).toBeDefined();
    const rotated = await (
      await browser.post(`/console/apps/${clientId}/rotate-secret`, {
        _csrf: await csrf(`/console/apps/${clientId}`),
      })
    ).text();
    const newSecret = /id="client-secret"[^>]*>([^<]+)</.exec(rotated)?.[1] ?? '';
    expect(newSecret).not.toBe(oldSecret);
    expect((await ccGrant(oldSecret)).body).toEqual({ error: 'invalid_client_secret' });
    const token = (await ccGrant(newSecret)).body.access_token as string;
    const info = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${token}` },
    });
    expect((await info.json()).Email).toBe(user.email);

    const confirm = await browser.get(`/console/apps/${clientId}/delete`);
    const confirmPage = await confirm.text();
    expect(confirmPage).toContain('Delete <span class="app-name">My App</span>?');
    const deleted = await browser.post(`/console/apps/${clientId}/delete`, {
      _csrf: hiddenField(confirmPage, '_csrf'),
    });
    expect(deleted.headers.get('location')).toBe('/console?done=deleted');
    expect(await server.store.findClient(clientId)).toBeUndefined();
    const after = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${token}` },
    });
    expect((await after.json()).error).toMatchObject({ code: 1003 });
  });

  it('R2: Generate Code refuses an unknown scope and a lifetime outside 3/5/7/10, and its code is exchanged without redirect_uri', async () => {
    const { user, browser, create, csrf } = await consoleUser(server);
    const created = await (await create({ ...GOOD, type: 'self', redirect_uris: '' })).text();
    const clientId = /id="client-id"[^>]*>([^<]+)</.exec(created)?.[1] ?? '';
    const secret = /id="client-secret"[^>]*>([^<]+)</.exec(created)?.[1] ?? '';
    const appPage = await (await browser.get(`/console/apps/${clientId}`)).text();
    expect(appPage).toContain('<option value="3" selected>3 minutes</option>');
    expect(appPage).toContain('See your name, email address and user ID');
    const path = `/console/apps/${clientId}/code`;
    const unknown = await browser.post(path, {
      _csrf: await csrf(`/console/apps/${clientId}`),
      scope: 'Nope.things.READ',
      lifetime: '3',
      description: 'x',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Unknown scope: Nope.things.READ');
    const badLifetime = await browser.post(path, {
      _csrf: await csrf(`/console/apps/${clientId}`),
      scope: 'AaaServer.profile.READ',
      lifetime: '60',
      description: 'x',
    });
    expect(await badLifetime.text()).toContain('Time Duration must be 3, 5, 7 or 10 minutes.');
    const wrongSecret = await browser.post(path, {
      _csrf: await csrf(`/console/apps/${clientId}`),
      scope: 'AaaServer.profile.READ',
      lifetime: '5',
      client_secret: 'f'.repeat(42),
    });
    expect(await wrongSecret.text()).toContain('not the app&#39;s current client secret');

    const before = server.now();
    const res = await browser.post(path, {
      _csrf: await csrf(`/console/apps/${clientId}`),
      scope: 'AaaServer.profile.READ',
      lifetime: '5',
      description: 'nightly <b>sync</b>',
      client_secret: secret,
    });
    expect(res.status).toBe(200);
    const page = await res.text();
    const code = /id="self-client-code"[^>]*>([^<]+)</.exec(page)?.[1] ?? '';
    expect(code).toMatch(/^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/);
    const href = /id="download-self-client" href="([^"]+)"/.exec(page)?.[1] ?? '';
    const file = JSON.parse(
      decodeURIComponent(
        href.replace(/&amp;/g, '&').replace('data:application/json;charset=utf-8,', ''),
      ),
    ) as Record<string, unknown>;
    expect(file).toMatchObject({
      client_id: clientId,
      client_secret: secret,
      code,
      grant_type: 'authorization_code',
    });
    expect(file.expiry_time as number).toBeGreaterThanOrEqual(before + 5 * 60_000);
    expect(file.expiry_time as number).toBeLessThan(before + 5 * 60_000 + 10_000);

    const tokens = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      client_id: clientId,
      client_secret: secret,
      code,
    });
    expect(tokens.body).toMatchObject({ scope: 'AaaServer.profile.READ', token_type: 'Bearer' });
    expect(tokens.body.refresh_token).toBeDefined();
    const info = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${tokens.body.access_token as string}` },
    });
    expect((await info.json()).ZUID).toBe(user.zuid);
  });

  it('R9: connected apps shows scopes in plain words, when granted, live refresh tokens; Revoke ends the tokens and the consent', async () => {
    const app = await server.addClient({ name: 'Grantee <script>alert(1)</script>' });
    const { user, browser } = await consoleUser(server);
    const redirect = await authorize(browser, user, {
      ...app,
      accessType: 'offline',
      scope: 'AaaServer.profile.READ,SalesIQ.portals.READ',
    });
    const tokens = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
    });
    const refresh = tokens.body.refresh_token as string;
    const page = await (await browser.get('/account/connected-apps')).text();
    expect(page).toContain('Grantee &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('See your name, email address and user ID');
    expect(page).toContain('Read your SalesIQ portals');
    expect(page).toContain('<dt>Granted</dt>');
    expect(page).toContain('<dd class="live-refresh-tokens">1</dd>');
    expect(page).toMatch(/<button type="submit" class="danger"[^>]*>Revoke<\/button>/);

    const revoked = await browser.post(`/account/connected-apps/${app.clientId}/revoke`, {
      _csrf: hiddenField(page, '_csrf'),
    });
    expect(revoked.status).toBe(303);
    const refreshed = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(refreshed.body).toEqual({ error: 'invalid_code' });
    const after = await (
      await browser.get(`/account/connected-apps?revoked=${app.clientId}`)
    ).text();
    expect(after).toContain('no longer has access');
    expect(after).not.toContain('class="connected-app"');
    // R3.4: the consent is forgotten, so the next authorization asks again.
    const again = await browser.get(
      `/oauth/v2/auth?response_type=code&client_id=${app.clientId}&redirect_uri=${encodeURIComponent(app.redirectUri)}&scope=AaaServer.profile.READ`,
    );
    expect(await again.text()).toContain('value="accept"');
  });

  it('HTML in an app name is shown escaped on the console, the app page and the consent page', async () => {
    const { user, browser, create } = await consoleUser(server);
    const name = '<img src=x onerror=alert(1)>"\'&';
    const created = await (await create({ ...GOOD, name })).text();
    const escaped = '&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;';
    expect(created).toContain(escaped);
    const clientId = /id="client-id"[^>]*>([^<]+)</.exec(created)?.[1] ?? '';
    for (const path of [
      '/console',
      `/console/apps/${clientId}`,
      `/console/apps/${clientId}/delete`,
    ]) {
      const page = await (await browser.get(path)).text();
      expect(page, path).toContain(escaped);
      expect(page, path).not.toContain('<img src=x');
    }
    const consent = await (
      await browser.get(
        `/oauth/v2/auth?response_type=code&client_id=${clientId}&redirect_uri=${encodeURIComponent(GOOD.redirect_uris)}&scope=AaaServer.profile.READ`,
      )
    ).text();
    expect(consent).toContain(escaped);
    expect(consent).not.toContain('<img src=x');
    expect(user.email).toBeDefined();
  });
});
