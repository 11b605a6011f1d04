/**
 * SPEC R13.2 in the rfc profile: RFC 8628's device authorization endpoint (seconds,
 * `verification_uri`) and the token endpoint's device_code grant with its errors; metadata
 * derived from what is enabled. And Zoho's `other_dc` when the person's home data centre is
 * another one (two data centres). SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';
import { storeKinds } from '../helpers/stores.ts';
import { postForm, startServer, type TestServer } from '../helpers/server.ts';
import { answerOnPage, pollZoho, requestDeviceCode, SCOPE, type App } from '../helpers/device.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const metadataOf = async (base: string) =>
  (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as Record<
    string,
    unknown
  >;

describe.each(storeKinds)('R13.2 RFC 8628 device flow on $name', (kind) => {
  let rfc: TestServer;
  let zoho: TestServer;
  beforeAll(async () => {
    rfc = await startServer(kind, { profile: 'rfc' });
    zoho = await startServer(kind);
  });
  afterAll(async () => {
    await rfc.close();
    await zoho.close();
  });

  const authorizeDevice = (app: App, extra: Record<string, string> = {}) =>
    postForm(rfc.url, '/oauth/v2/device_authorization', {
      client_id: app.clientId,
      scope: SCOPE,
      ...extra,
    });
  const poll = (app: App, deviceCode: string) =>
    postForm(rfc.url, '/oauth/v2/token', {
      grant_type: DEVICE_GRANT,
      device_code: deviceCode,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });

  it('R13.2: the rfc profile answers RFC 8628 §3.2 in seconds with verification_uri', async () => {
    const app = await rfc.addClient();
    const res = await authorizeDevice(app);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      device_code: expect.stringMatching(/^1000\./),
      user_code: expect.stringMatching(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/),
      verification_uri: `${rfc.url}/oauth/v3/device`,
      verification_uri_complete: `${rfc.url}/oauth/v3/device?user_code=${String(res.body.user_code)}`,
      expires_in: 300,
      interval: 5,
    });
  });

  it('R13.2: metadata advertises the device authorization endpoint and grant only where enabled', async () => {
    const meta = await metadataOf(rfc.url);
    expect(meta.device_authorization_endpoint).toBe(`${rfc.url}/oauth/v2/device_authorization`);
    expect(meta.grant_types_supported).toContain(DEVICE_GRANT);
    const zohoMeta = await metadataOf(zoho.url);
    expect(zohoMeta).not.toHaveProperty('device_authorization_endpoint');
    expect(zohoMeta.grant_types_supported).not.toContain(DEVICE_GRANT);
    // And each form is served only in its profile (unknown paths answer in the profile's way).
    expect(await postForm(zoho.url, '/oauth/v2/device_authorization', {})).toMatchObject({
      status: 200,
      body: { error: 'invalid_request' },
    });
    expect(await postForm(rfc.url, '/oauth/v3/device/code', {})).toMatchObject({
      status: 404,
      body: {
        error: 'invalid_request',
        error_description: 'There is nothing at POST /oauth/v3/device/code.',
      },
    });
  });

  it('R13.2: authorization_pending, slow_down, then tokens, then invalid_grant (RFC 8628 §3.5, HTTP 400)', async () => {
    const app = await rfc.addClient();
    const started = (await authorizeDevice(app, { access_type: 'offline' })).body;
    const code = String(started.device_code);
    expect(await poll(app, code)).toMatchObject({
      status: 400,
      body: { error: 'authorization_pending' },
    });
    expect(await poll(app, code)).toMatchObject({ status: 400, body: { error: 'slow_down' } });
    rfc.advance(5_000);
    await answerOnPage(rfc.url, await rfc.addUser(), String(started.user_code));
    const tokens = await poll(app, code);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: SCOPE });
    expect(tokens.body.refresh_token).toMatch(/^1000\./);
    rfc.advance(5_000);
    expect(await poll(app, code)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('R13.2: access_denied after Deny, expired_token after expires_in', async () => {
    const app = await rfc.addClient();
    const denied = (await authorizeDevice(app)).body;
    await answerOnPage(rfc.url, await rfc.addUser(), String(denied.user_code), 'deny');
    expect(await poll(app, String(denied.device_code))).toMatchObject({
      status: 400,
      body: { error: 'access_denied' },
    });
    const late = (await authorizeDevice(app)).body;
    rfc.advance(300_000);
    expect(await poll(app, String(late.device_code))).toMatchObject({
      status: 400,
      body: { error: 'expired_token' },
    });
  });

  it('R13.2: unknown client (401 invalid_client), a device code of another client and the user code (invalid_grant)', async () => {
    const ghost = await authorizeDevice({
      clientId: '1000.NOSUCHCLIENTAAAAAAAAAAAAAAAAAAA',
      clientSecret: '',
    });
    expect(ghost).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const owner = await rfc.addClient();
    const other = await rfc.addClient();
    const started = (await authorizeDevice(owner)).body;
    expect(await poll(other, String(started.device_code))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await poll(owner, String(started.user_code))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await poll(owner, String(started.device_code))).toMatchObject({
      status: 400,
      body: { error: 'authorization_pending' },
    });
  });

  it('R13.2: a public client polls with its client_id alone', async () => {
    const app = await rfc.addClient({ type: 'mobile' });
    const started = (await authorizeDevice(app)).body;
    await answerOnPage(rfc.url, await rfc.addUser(), String(started.user_code));
    const tokens = await postForm(rfc.url, '/oauth/v2/token', {
      grant_type: DEVICE_GRANT,
      device_code: String(started.device_code),
      client_id: app.clientId,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.access_token).toMatch(/^1000\./);
  });

  it('R13.2, R5.5: device codes count toward the per-client code limit (access_denied past it)', async () => {
    const app = await rfc.addClient();
    for (let i = 0; i < 10; i++) expect((await authorizeDevice(app)).status).toBe(200);
    expect(await authorizeDevice(app)).toMatchObject({
      status: 400,
      body: { error: 'access_denied' },
    });
  });
});

describe.each(storeKinds)('R13.2 other_dc with two data centres on $name', (kind) => {
  let tg: TollgateHandle;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const db = await kind.location();
    cleanup = db.cleanup;
    tg = await startTollgate({ dataCentres: ['us', 'eu'], db: db.location });
  });
  afterAll(async () => {
    await tg.stop();
    await cleanup();
  });

  it("R13.2: a person of eu approves a device that polls us: other_dc with user_location eu; polling eu gives eu's tokens", async () => {
    const us = { url: tg.locations.us as string };
    const eu = { url: tg.locations.eu as string };
    const app = await tg.createClient();
    const person = await tg.createUser({ dc: 'eu' });
    const started = (await requestDeviceCode(us, app)).body;
    await answerOnPage(us.url, person, String(started.user_code));
    const atUs = await pollZoho(us, app, String(started.device_code));
    expect(atUs).toMatchObject({ status: 200, body: { error: 'other_dc', user_location: 'eu' } });
    expect(Object.keys(atUs.body).sort()).toEqual(['error', 'user_location']);
    // The device waits its interval, then polls the person's data centre (one clock for both).
    tg.clock.advance(5);
    const atEu = await pollZoho(eu, app, String(started.device_code));
    expect(atEu.status).toBe(200);
    expect(atEu.body.api_domain).toBe(eu.url);
    const info = await fetch(`${eu.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${String(atEu.body.access_token)}` },
    });
    expect(info.status).toBe(200);
  });

  it('R13.1, R13.2: a person of a data centre the app is not enabled in gets an error page, and the device stays pending', async () => {
    const us = { url: tg.locations.us as string };
    const app = await tg.createClient({ dataCentres: ['us'] });
    const person = await tg.createUser({ dc: 'eu' });
    const started = (await requestDeviceCode(us, app)).body;
    const html = await answerOnPage(us.url, person, String(started.user_code));
    expect(html).toContain('data-error="unauthorized_client"');
    expect(html).toContain('This app is not enabled for accounts of the EU data centre.');
    expect((await pollZoho(us, app, String(started.device_code))).body).toEqual({
      error: 'authorization_pending',
    });
  });

  it('R13.2: a person of us approving a device that polls us gets tokens there', async () => {
    const us = { url: tg.locations.us as string };
    const app = await tg.createClient();
    const person = await tg.createUser();
    const started = (await requestDeviceCode(us, app)).body;
    await answerOnPage(us.url, person, String(started.user_code));
    const tokens = await pollZoho(us, app, String(started.device_code));
    expect(tokens.body.api_domain).toBe(us.url);
  });
});
