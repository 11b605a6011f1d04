/**
 * SPEC R13.1, the rest of "a token works only in its data centre": introspection, both
 * revocation forms, client credentials and OpenID Connect user info treat a token of another
 * data centre as unknown; the ID token's `iss` is the data centre that issued it; and the
 * testing handle's fault rules and request log cover every data centre, like its clock.
 * Two data centres (us, eu), on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';
import { postForm } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';

const SCOPE = 'openid email AaaServer.profile.READ';

describe.each(storeKinds)('R13.1 data-centre checks on $name', (kind) => {
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

  /** Tokens of a person of eu, exchanged at eu. */
  const euTokens = async () => {
    const app = await tg.createClient();
    const ana = await tg.createUser({ dc: 'eu' });
    const got = await tg.authorize({
      clientId: app.clientId,
      user: ana,
      scope: SCOPE,
      accessType: 'offline',
    });
    if (!('code' in got)) throw new Error(JSON.stringify(got));
    const res = await postForm(eu, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: got.code,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: 'https://app.example.com/callback',
    });
    return {
      app,
      ana,
      accessToken: String(res.body.access_token),
      refreshToken: String(res.body.refresh_token),
      idToken: String(res.body.id_token),
    };
  };
  const introspect = (at: string, app: { clientId: string; clientSecret: string }, token: string) =>
    postForm(at, '/oauth/v2/introspect', {
      token,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
  const userInfo = async (at: string, token: string) => {
    const res = await fetch(`${at}/oauth/v2/userinfo`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('R13.1: the ID token names the data centre that issued it as iss', async () => {
    const { idToken } = await euTokens();
    expect(decodeJwt(idToken).iss).toBe(eu);
  });

  it('R13.1: introspection at another data centre says active false; at home it is active with its iss', async () => {
    const { app, accessToken, refreshToken } = await euTokens();
    expect((await introspect(us, app, accessToken)).body).toEqual({ active: false });
    expect((await introspect(us, app, refreshToken)).body).toEqual({ active: false });
    expect((await introspect(eu, app, accessToken)).body).toMatchObject({
      active: true,
      client_id: app.clientId,
      iss: eu,
    });
  });

  it('R13.1: revoking at another data centre revokes nothing (unknown there); at home it revokes', async () => {
    const { app, ana, accessToken, refreshToken } = await euTokens();
    const zohoForm = await postForm(us, '/oauth/v2/token/revoke', { token: refreshToken });
    expect(zohoForm).toMatchObject({
      status: 400,
      body: { status: 'failure', error: 'invalid_token' },
    });
    const rfcForm = await postForm(us, '/oauth/v2/revoke', {
      token: refreshToken,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(rfcForm.status).toBe(200);
    expect(await userInfo(eu, accessToken)).toMatchObject({
      status: 200,
      body: { sub: String(ana.zuid), email: ana.email },
    });
    expect(await postForm(eu, '/oauth/v2/token/revoke', { token: refreshToken })).toMatchObject({
      status: 200,
      body: { status: 'success' },
    });
    expect((await introspect(eu, app, accessToken)).body).toEqual({ active: false });
  });

  it('R13.1: OpenID Connect user info refuses a token of another data centre', async () => {
    const { accessToken } = await euTokens();
    expect(await userInfo(us, accessToken)).toEqual({
      status: 200,
      body: { error: { code: 1003, message: 'The access token is invalid or revoked.' } },
    });
  });

  it("R13.1: client credentials only at the self client's owner's data centre", async () => {
    const owner = await tg.createUser({ dc: 'eu' });
    const self = await tg.createClient({ type: 'self', owner });
    const request = (at: string) =>
      postForm(at, '/oauth/v2/token', {
        grant_type: 'client_credentials',
        client_id: self.clientId,
        client_secret: self.clientSecret,
        scope: 'AaaServer.profile.READ',
        soid: 'ZohoCRM.600123434',
      });
    expect(await request(us)).toMatchObject({
      status: 200,
      body: { error: 'unauthorized_client' },
    });
    const home = await request(eu);
    expect(home.body.access_token).toMatch(/^1000\./);
    expect(home.body.api_domain).toBe(eu);
  });

  it("R12, R13.1: the handle's faults and request log cover every data centre", async () => {
    const { app, refreshToken } = await euTokens();
    tg.requests.clear();
    tg.faults.add({ endpoint: 'token', action: 'invalid_code' });
    const refresh = await postForm(eu, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(refresh.body).toEqual({ error: 'invalid_code' });
    expect(tg.faults.list()).toEqual([]);
    const logged = tg.requests.list({ endpoint: 'token' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      path: '/oauth/v2/token',
      status: 200,
      client_id: app.clientId,
    });
    expect(logged[0]?.fault_id).toEqual(expect.any(String));
  });
});
