/**
 * SPEC R13.2, Zoho's device flow (`/oauth/v3/device/...`): the initiation answer in
 * milliseconds with Zoho's field names, the polling answers (authorization_pending, slow_down,
 * access_denied, expired, then the tokens once), the verification page (sign in, `Code`,
 * `Continue`, consent), and issue 13's bad input: unknown client, another client's device
 * code, polling after success, polling with the user code, wrong user codes and the fifth.
 * Pages: https://www.zoho.com/accounts/protocol/oauth/devices/initiation-request.html and
 * https://www.zoho.com/accounts/protocol/oauth/devices/polling-request.html. SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { Browser, hiddenField, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { answerOnPage, pollZoho, requestDeviceCode } from '../helpers/device.ts';

const SCOPE = 'AaaServer.profile.READ';
type Person = { email: string; password: string };

/** A signed-in browser on the verification page, ready to type codes. */
async function signedInOnPage(
  s: TestServer,
  person: Person,
): Promise<{ browser: Browser; html: string }> {
  const browser = new Browser(s.url);
  const login = await (await browser.get('/oauth/v3/device')).text();
  const signedIn = await browser.post('/login', {
    _csrf: hiddenField(login, '_csrf'),
    return_to: hiddenField(login, 'return_to'),
    email: person.email,
    password: person.password,
  });
  expect(signedIn.status).toBe(303);
  expect(signedIn.headers.get('location')).toBe('/oauth/v3/device');
  const html = await (await browser.get('/oauth/v3/device')).text();
  return { browser, html };
}

async function typeCode(browser: Browser, html: string, code: string) {
  const res = await browser.post('/oauth/v3/device', {
    _csrf: hiddenField(html, '_csrf'),
    user_code: code,
  });
  return { status: res.status, html: await res.text() };
}

describe.each(storeKinds)('R13.2 Zoho device flow on $name', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(() => s.close());

  it('R13.2: the initiation answer has Zoho fields, interval 5000 and expires_in 300000 (milliseconds)', async () => {
    const app = await s.addClient();
    const res = await requestDeviceCode(s, app);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual([
      'device_code',
      'expires_in',
      'interval',
      'user_code',
      'verification_uri_complete',
      'verification_url',
    ]);
    expect(res.body.interval).toBe(5000);
    expect(res.body.expires_in).toBe(300000);
    expect(res.body.device_code).toMatch(/^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/);
    expect(res.body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(res.body.verification_url).toBe(`${s.url}/oauth/v3/device`);
    expect(res.body.verification_uri_complete).toBe(
      `${s.url}/oauth/v3/device?user_code=${String(res.body.user_code)}`,
    );
  });

  it('R13.2: pending, slow_down within the interval, then the tokens once, then invalid_code (polling after success)', async () => {
    const app = await s.addClient();
    const person = await s.addUser();
    const started = (await requestDeviceCode(s, app)).body;
    const code = String(started.device_code);
    expect(await pollZoho(s, app, code)).toMatchObject({
      status: 200,
      body: { error: 'authorization_pending' },
    });
    expect((await pollZoho(s, app, code)).body).toEqual({ error: 'slow_down' });
    s.advance(5_000);
    const html = await answerOnPage(s.url, person, String(started.user_code));
    expect(html).toContain('Device connected');
    const tokens = await pollZoho(s, app, code);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({
      api_domain: s.url,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: SCOPE,
    });
    expect(tokens.body.access_token).toMatch(/^1000\./);
    expect(tokens.body.refresh_token).toMatch(/^1000\./);
    const info = await fetch(`${s.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${String(tokens.body.access_token)}` },
    });
    expect(info.status).toBe(200);
    expect(((await info.json()) as { Email: string }).Email).toBe(person.email);
    s.advance(5_000);
    expect(await pollZoho(s, app, code)).toEqual(
      expect.objectContaining({ status: 200, body: { error: 'invalid_code' } }),
    );
  });

  it('R13.2: without access_type=offline there is no refresh token', async () => {
    const app = await s.addClient();
    const started = (await requestDeviceCode(s, app, { access_type: 'online' })).body;
    await answerOnPage(s.url, await s.addUser(), String(started.user_code));
    const tokens = await pollZoho(s, app, String(started.device_code));
    expect(tokens.body.access_token).toMatch(/^1000\./);
    expect(tokens.body).not.toHaveProperty('refresh_token');
  });

  it('R13.2: Deny on the consent page gives access_denied', async () => {
    const app = await s.addClient();
    const started = (await requestDeviceCode(s, app)).body;
    const html = await answerOnPage(s.url, await s.addUser(), String(started.user_code), 'deny');
    expect(html).toContain('Request denied');
    expect((await pollZoho(s, app, String(started.device_code))).body).toEqual({
      error: 'access_denied',
    });
  });

  it('R13.2: a device code not answered within expires_in is expired, and the page no longer takes its user code', async () => {
    const app = await s.addClient();
    const started = (await requestDeviceCode(s, app)).body;
    s.advance(300_000);
    expect((await pollZoho(s, app, String(started.device_code))).body).toEqual({
      error: 'expired',
    });
    const html = await answerOnPage(s.url, await s.addUser(), String(started.user_code));
    expect(html).toContain('That code is not right, or it has expired.');
  });

  it('R13.2: an unknown client gets invalid_client at both endpoints', async () => {
    const ghost = {
      clientId: '1000.NOSUCHCLIENTAAAAAAAAAAAAAAAAAAA',
      clientSecret: 'x'.repeat(42),
    };
    expect(await requestDeviceCode(s, ghost)).toMatchObject({
      status: 200,
      body: { error: 'invalid_client' },
    });
    expect((await pollZoho(s, ghost, '1000.a.b')).body).toEqual({ error: 'invalid_client' });
  });

  it('R13.2: a wrong grant_type, no scope, an unknown scope or a bad access_type are refused', async () => {
    const app = await s.addClient();
    expect((await requestDeviceCode(s, app, { grant_type: 'device_token' })).body).toEqual({
      error: 'unsupported_grant_type',
    });
    expect((await requestDeviceCode(s, app, { scope: '' })).body).toEqual({
      error: 'invalid_request',
    });
    expect((await requestDeviceCode(s, app, { scope: 'NoSuch.thing.READ' })).body).toEqual({
      error: 'invalid_scope',
    });
    expect((await requestDeviceCode(s, app, { access_type: 'forever' })).body).toEqual({
      error: 'invalid_request',
    });
    const started = (await requestDeviceCode(s, app)).body;
    const wrongGrant = await postForm(s.url, '/oauth/v3/device/token', {
      client_id: app.clientId,
      client_secret: app.clientSecret,
      grant_type: 'device_request',
      code: String(started.device_code),
    });
    expect(wrongGrant.body).toEqual({ error: 'unsupported_grant_type' });
  });

  it('R13.2: polling with a wrong client secret gets invalid_client_secret', async () => {
    const app = await s.addClient();
    const started = (await requestDeviceCode(s, app)).body;
    const res = await pollZoho(
      s,
      { ...app, clientSecret: 'f'.repeat(42) },
      String(started.device_code),
    );
    expect(res.body).toEqual({ error: 'invalid_client_secret' });
  });

  it("R13.2: another client's device code is invalid_code, and stays good for its own client", async () => {
    const owner = await s.addClient();
    const other = await s.addClient();
    const started = (await requestDeviceCode(s, owner)).body;
    await answerOnPage(s.url, await s.addUser(), String(started.user_code));
    expect((await pollZoho(s, other, String(started.device_code))).body).toEqual({
      error: 'invalid_code',
    });
    const tokens = await pollZoho(s, owner, String(started.device_code));
    expect(tokens.body.access_token).toMatch(/^1000\./);
  });

  it('R13.2: polling with the user code instead of the device code is invalid_code', async () => {
    const app = await s.addClient();
    const started = (await requestDeviceCode(s, app)).body;
    await answerOnPage(s.url, await s.addUser(), String(started.user_code));
    expect((await pollZoho(s, app, String(started.user_code))).body).toEqual({
      error: 'invalid_code',
    });
  });

  it('R13.2: the page has a field labelled Code and a button Continue; a wrong code says so and the right one then works', async () => {
    const app = await s.addClient();
    const person = await s.addUser();
    const started = (await requestDeviceCode(s, app)).body;
    const { browser, html } = await signedInOnPage(s, person);
    expect(html).toContain('<label for="user_code">Code</label>');
    expect(html).toContain('<button type="submit">Continue</button>');
    const wrong = await typeCode(browser, html, 'BBBB-BBBB');
    expect(wrong.status).toBe(200);
    expect(wrong.html).toContain(
      'That code is not right, or it has expired. Check the code on your device and try again (4 tries left).',
    );
    expect(wrong.html).toContain('value="BBBB-BBBB"');
    // Typed in lower case without the dash: still the code.
    const typed = String(started.user_code).replace('-', '').toLowerCase();
    const consent = await typeCode(browser, wrong.html, typed);
    expect(consent.status).toBe(200);
    expect(consent.html).toContain('wants to access your account');
    const accepted = await browser.post('/oauth/v3/device', {
      _csrf: hiddenField(consent.html, '_csrf'),
      request: hiddenField(consent.html, 'request'),
      decision: 'accept',
    });
    expect(await accepted.text()).toContain('Device connected');
    expect((await pollZoho(s, app, String(started.device_code))).body.access_token).toMatch(
      /^1000\./,
    );
  });

  it('R13.2: after 5 wrong codes the page takes no more, and the right code typed then ends the device code (expired)', async () => {
    const app = await s.addClient();
    const person = await s.addUser();
    const started = (await requestDeviceCode(s, app)).body;
    const { browser, html } = await signedInOnPage(s, person);
    let page = html;
    for (let i = 1; i <= 4; i++) {
      const wrong = await typeCode(browser, page, 'BBBB-BBBB');
      expect(wrong.html).toContain(`(${5 - i} ${5 - i === 1 ? 'try' : 'tries'} left)`);
      page = wrong.html;
    }
    const fifth = await typeCode(browser, page, 'BBBB-BBBB');
    expect(fifth.status).toBe(429);
    expect(fifth.html).toContain('Too many wrong codes. Start again on your device');
    expect(fifth.html).not.toContain('name="user_code"');
    const right = await browser.get(`/oauth/v3/device?user_code=${String(started.user_code)}`);
    expect(right.status).toBe(429);
    expect(await right.text()).not.toContain('wants to access your account');
    expect((await pollZoho(s, app, String(started.device_code))).body).toEqual({
      error: 'expired',
    });
  });

  it('R13.2, R15.3: Accept and Deny on the device consent page are audit events of the person', async () => {
    const app = await s.addClient();
    const person = await s.addUser();
    const accepted = (await requestDeviceCode(s, app)).body;
    await answerOnPage(s.url, person, String(accepted.user_code));
    const denied = (await requestDeviceCode(s, app)).body;
    await answerOnPage(s.url, person, String(denied.user_code), 'deny');
    const events = await s.store.listAuditEvents({
      zuid: person.zuid,
      types: ['consent'],
      limit: 10,
    });
    expect(
      events
        .map((e) => [e.outcome, e.clientId, e.detail])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['failure', app.clientId, { decision: 'deny', scopes: SCOPE, flow: 'device' }],
      ['success', app.clientId, { decision: 'accept', scopes: SCOPE, flow: 'device' }],
    ]);
  });

  it('R13.2: the verification page asks a signed-out person to sign in first, and comes back to the code', async () => {
    const res = await new Browser(s.url).get('/oauth/v3/device?user_code=BBBB-BBBB');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('<label for="password">Password</label>');
    expect(hiddenField(html, 'return_to')).toBe('/oauth/v3/device?user_code=BBBB-BBBB');
  });
});

describe.each(storeKinds)('R13.2 device polling gap option on $name', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind, { deviceSlowDown: 'zoho-30s' });
  });
  afterAll(() => s.close());

  it("R13.2: --device-slow-down zoho-30s answers slow_down to two polls within 30 s, as Zoho's polling page says", async () => {
    const app = await s.addClient();
    const started = (await requestDeviceCode(s, app)).body;
    expect(started.interval).toBe(5000);
    const code = String(started.device_code);
    expect((await pollZoho(s, app, code)).body).toEqual({ error: 'authorization_pending' });
    s.advance(5_000);
    expect((await pollZoho(s, app, code)).body).toEqual({ error: 'slow_down' });
    s.advance(25_000);
    expect((await pollZoho(s, app, code)).body).toEqual({ error: 'authorization_pending' });
  });
});
