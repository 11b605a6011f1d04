/**
 * SPEC R13.1: several data centres from one process and one store. Each user has a home data
 * centre; authorization may start anywhere and sends the person's home back as `location` and
 * `accounts-server`; codes and tokens work only at their home; clients are enabled per data
 * centre ("Multi DC"). Run on SQLite and PostgreSQL, through `tollgate/testing`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createMemoryStore } from '@tollgate/client';
import { parseConfig } from '../../src/core/config.ts';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';
import { Browser, postForm } from '../helpers/server.ts';
import { walkAuthorization } from '../../src/testing/browser.ts';
import { storeKinds } from '../helpers/stores.ts';

const SCOPE = 'AaaServer.profile.READ';

describe.each(storeKinds)('R13.1 data centres on $name', (kind) => {
  let tg: TollgateHandle;
  let cleanup: () => Promise<void>;
  let us: string;
  let eu: string;
  beforeAll(async () => {
    const db = await kind.location();
    cleanup = db.cleanup;
    tg = await startTollgate({ dataCentres: ['us', 'eu'], db: db.location });
    us = tg.locations.us as string;
    eu = tg.locations.eu as string;
  });
  afterAll(async () => {
    await tg.stop();
    await cleanup();
  });

  const exchange = (at: string, app: { clientId: string; clientSecret: string }, code: string) =>
    postForm(at, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: 'https://app.example.com/callback',
    });
  const userInfo = async (at: string, token: string) => {
    const res = await fetch(`${at}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${token}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('R13.1: two listeners, each with its own URL; the first is the handle URL', () => {
    expect(Object.keys(tg.locations)).toEqual(['us', 'eu']);
    expect(us).toBe(tg.url);
    expect(eu).not.toBe(us);
  });

  it('R13.1: GET /oauth/serverinfo lists every data centre, on any of them', async () => {
    for (const at of [us, eu]) {
      const res = await fetch(`${at}/oauth/serverinfo`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ result: 'success', locations: { us, eu } });
    }
  });

  it('R13.1: a person of eu who starts at us is sent back with location=eu and the eu accounts server; the code works only at eu', async () => {
    const app = await tg.createClient();
    const user = await tg.createUser({ dc: 'eu' });
    const result = await tg.authorize({
      clientId: app.clientId,
      user,
      scope: SCOPE,
      accessType: 'offline',
    });
    if (!('code' in result)) throw new Error(JSON.stringify(result));
    expect(result.location).toBe('eu');
    expect(result.accountsServer).toBe(eu);

    const wrong = await exchange(us, app, result.code);
    expect(wrong.status).toBe(200);
    expect(wrong.body).toEqual({ error: 'invalid_code' });
    // The refusal elsewhere did not spend the code.
    const right = await exchange(eu, app, result.code);
    expect(right.body.api_domain).toBe(eu);
    const access = right.body.access_token as string;
    const refresh = right.body.refresh_token as string;

    expect((await userInfo(eu, access)).body.ZUID).toBe(user.zuid);
    const foreign = await userInfo(us, access);
    expect(foreign.body.ZUID).toBeUndefined();
    expect(foreign.body).toMatchObject({ error: { code: expect.any(Number) as number } });

    const refreshAt = (at: string) =>
      postForm(at, '/oauth/v2/token', {
        grant_type: 'refresh_token',
        refresh_token: refresh,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
    expect((await refreshAt(us)).body).toEqual({ error: 'invalid_code' });
    const refreshed = await refreshAt(eu);
    expect(refreshed.body.api_domain).toBe(eu);
    expect(typeof refreshed.body.access_token).toBe('string');
  });

  it('R13.1: a person of us gets location=us, and the default home is the first data centre', async () => {
    const app = await tg.createClient();
    const user = await tg.createUser();
    const result = await tg.authorize({ clientId: app.clientId, user, scope: SCOPE, dc: 'eu' });
    if (!('code' in result)) throw new Error(JSON.stringify(result));
    expect(result.location).toBe('us');
    expect(result.accountsServer).toBe(us);
    expect((await exchange(eu, app, result.code)).body).toEqual({ error: 'invalid_code' });
    expect((await exchange(us, app, result.code)).body.api_domain).toBe(us);
  });

  it('R13.1: a client enabled only in us gives a person of eu an error page, never a code', async () => {
    const app = await tg.createClient({ dataCentres: ['us'] });
    const euUser = await tg.createUser({ dc: 'eu' });
    const refused = await tg.authorize({ clientId: app.clientId, user: euUser, scope: SCOPE });
    expect(refused).toMatchObject({ error: 'unauthorized_client', url: undefined, status: 400 });
    const usUser = await tg.createUser({ dc: 'us' });
    const granted = await tg.authorize({ clientId: app.clientId, user: usUser, scope: SCOPE });
    expect('code' in granted).toBe(true);
  });

  it('R13.1: a client is one id everywhere: its secret works at every data centre', async () => {
    const app = await tg.createClient();
    for (const at of [us, eu]) {
      const res = await postForm(at, '/oauth/v2/token', {
        grant_type: 'refresh_token',
        refresh_token: '1000.x.y',
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      expect(res.body).toEqual({ error: 'invalid_code' });
    }
  });

  it('R13.1: the client SDK with dc and accountsUrls signs in at us, follows accounts-server to eu, and calls the API at api_domain', async () => {
    const app = await tg.createClient({ redirectUris: ['http://127.0.0.1:9/callback'] });
    const user = await tg.createUser({ dc: 'eu' });
    const sdk = createClient({
      dc: 'us',
      accountsUrls: { us, eu },
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUri: 'http://127.0.0.1:9/callback',
      scopes: [SCOPE],
      store: createMemoryStore(),
    });
    const request = sdk.authorizationUrl({ accessType: 'offline' });
    expect(new URL(request.url).origin).toBe(new URL(us).origin);
    const callback = await tg.openAuthorizationUrl(request.url, { user });
    if (!('code' in callback)) throw new Error(JSON.stringify(callback));
    const tokens = await sdk.handleCallback(callback.url);
    expect(tokens.accountsServer).toBe(eu);
    expect(tokens.apiDomain).toBe(eu);
    expect((await sdk.userInfo()).ZUID).toBe(user.zuid);
    const viaApi = await sdk.fetch('/oauth/user/info');
    expect(((await viaApi.json()) as { ZUID: number }).ZUID).toBe(user.zuid);
    await sdk.refresh();
    expect((await sdk.getTokens())?.accountsServer).toBe(eu);
  });

  it('R13.1: createUser and createClient refuse a data centre the handle does not serve', async () => {
    await expect(tg.createUser({ dc: 'in' })).rejects.toMatchObject({ code: 'testing_usage' });
    await expect(tg.createClient({ dataCentres: ['jp'] })).rejects.toMatchObject({
      code: 'testing_usage',
    });
  });
});

describe('R13.1 configuration', () => {
  it('R13.1: an unknown or repeated data centre is a clear startup error', async () => {
    expect(() => parseConfig({ dataCentres: 'us,mars' })).toThrow(
      "--data-centres: unknown data centre 'mars' (known: us, eu, in, au, jp, ca, sa, uk, cn)",
    );
    expect(() => parseConfig({ dataCentres: 'us,eu,us' })).toThrow(
      "--data-centres: data centre 'us' is listed twice",
    );
    expect(() => parseConfig({ dataCentres: 'us,,eu' })).toThrow('a data-centre name is empty');
    await expect(startTollgate({ dataCentres: ['eu', 'eu'] })).rejects.toMatchObject({
      code: 'testing_usage',
      message: "startTollgate(): option 'dataCentres': data centre 'eu' is listed twice.",
    });
  });

  it('R13.1: one data centre: serverinfo names the server location; --data-centres puts the first on --port and the next on --port+1', async () => {
    const single = await startTollgate({ location: 'in' });
    try {
      const res = await fetch(`${single.url}/oauth/serverinfo`);
      expect(await res.json()).toEqual({ result: 'success', locations: { in: single.url } });
    } finally {
      await single.stop();
    }
    const probe = await startTollgate();
    const port = Number(new URL(probe.url).port);
    await probe.stop();
    const tg = await startTollgate({ dataCentres: 'eu,in,au', port });
    try {
      expect(Object.values(tg.locations).map((u) => Number(new URL(u).port))).toEqual([
        port,
        port + 1,
        port + 2,
      ]);
      const user = await tg.createUser({ dc: 'au' });
      const app = await tg.createClient();
      const outcome = await walkAuthorization(
        new Browser(tg.url),
        user,
        `/oauth/v2/auth?response_type=code&client_id=${app.clientId}&redirect_uri=${encodeURIComponent('https://app.example.com/callback')}&scope=${SCOPE}`,
        'accept',
      );
      if (!('redirect' in outcome)) throw new Error('expected a redirect');
      expect(outcome.redirect.searchParams.get('location')).toBe('au');
    } finally {
      await tg.stop();
    }
  });
});
