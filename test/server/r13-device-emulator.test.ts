/**
 * The device flow under the emulator (SPEC R12 with R13.2): the clock drives device-code expiry
 * and the polling interval, the request log masks device codes (in parameters and responses),
 * faults on `device` hit Zoho's device endpoints, and faults on `token` hit RFC 8628 polling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';
import { postForm } from '../helpers/server.ts';
import { answerOnPage, pollZoho, requestDeviceCode } from '../helpers/device.ts';
import { storeKinds } from '../helpers/stores.ts';

describe.each(storeKinds)('R13.2 device flow under the emulator on $name', (kind) => {
  let tg: TollgateHandle;
  let rfc: TollgateHandle;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const a = await kind.location();
    const b = await kind.location();
    cleanups.push(a.cleanup, b.cleanup);
    tg = await startTollgate({ db: a.location });
    rfc = await startTollgate({ db: b.location, profile: 'rfc' });
  });
  afterAll(async () => {
    await tg.stop();
    await rfc.stop();
    for (const cleanup of cleanups) await cleanup();
  });

  it('R12.1, R13.2: the clock drives the interval and the expiry of device codes', async () => {
    const app = await tg.createClient();
    const code = String((await requestDeviceCode(tg, app)).body.device_code);
    expect((await pollZoho(tg, app, code)).body).toEqual({ error: 'authorization_pending' });
    expect((await pollZoho(tg, app, code)).body).toEqual({ error: 'slow_down' });
    tg.clock.advance('5s');
    expect((await pollZoho(tg, app, code)).body).toEqual({ error: 'authorization_pending' });
    tg.clock.advance('5m');
    expect((await pollZoho(tg, app, code)).body).toEqual({ error: 'expired' });
  });

  it('R12.3, R13.2: the request log masks device codes in parameters and in responses', async () => {
    const app = await tg.createClient();
    tg.requests.clear();
    const code = String((await requestDeviceCode(tg, app)).body.device_code);
    tg.clock.advance('5s');
    await pollZoho(tg, app, code);
    const logged = tg.requests.list({ endpoint: 'device' });
    expect(logged.map((r) => r.path)).toEqual(['/oauth/v3/device/code', '/oauth/v3/device/token']);
    const masked = `${code.slice(0, 8)}…`;
    expect((logged[0]?.response as Record<string, unknown>).device_code).toBe(masked);
    expect(logged[1]?.params.code).toBe(masked);
    expect(JSON.stringify(logged)).not.toContain(code);
  });

  it('R12.2, R13.2: a device fault answers as Zoho would; the device endpoints then work again', async () => {
    const app = await tg.createClient();
    tg.faults.add({ endpoint: 'device', action: 'throttle' });
    expect((await requestDeviceCode(tg, app)).body).toEqual({
      error: 'Access Denied',
      error_description:
        'You have made too many requests continuously. Please try again after some time.',
      status: 'failure',
    });
    const started = (await requestDeviceCode(tg, app)).body;
    tg.faults.add({
      endpoint: 'device',
      action: 'invalid_code',
      when: { grant_type: 'device_token' },
    });
    expect((await pollZoho(tg, app, String(started.device_code))).body).toEqual({
      error: 'invalid_code',
    });
  });

  it('R12.2, R13.2: a token-endpoint fault hits RFC 8628 polling, and the device code survives it', async () => {
    const app = await rfc.createClient();
    const started = (
      await postForm(rfc.url, '/oauth/v2/device_authorization', {
        client_id: app.clientId,
        scope: 'AaaServer.profile.READ',
      })
    ).body;
    const user = await rfc.createUser();
    await answerOnPage(rfc.url, user, String(started.user_code));
    const poll = () =>
      postForm(rfc.url, '/oauth/v2/token', {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: String(started.device_code),
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
    rfc.faults.add({
      endpoint: 'token',
      action: 'server_error',
      when: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code' },
    });
    expect(await poll()).toMatchObject({ status: 500, body: { error: 'server_error' } });
    const tokens = await poll();
    expect(tokens.status).toBe(200);
    expect(tokens.body.access_token).toMatch(/^1000\./);
  });
});
