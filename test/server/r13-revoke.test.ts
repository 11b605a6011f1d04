/**
 * SPEC R13.4: Zoho's second revocation form, POST /oauth/v2/revoke/token with HTTP Basic client
 * authentication, `token` and its type (`token_type_hint`, or `token_type` as Zoho's page names
 * it: https://www.zoho.com/developer/oauth/revoke-oauth-token.html).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { createHash, randomBytes } from 'node:crypto';
import {
  authorize,
  Browser,
  obtainTokens,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

const basicOf = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe.each(storeKinds)('R13.4 revocation, second form, on $name', (kind) => {
  let server: TestServer;
  let rfc: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { emulator: true });
    rfc = await startServer(kind, { profile: 'rfc' });
  });
  afterAll(async () => {
    await server.close();
    await rfc.close();
  });

  const revoke = (
    s: TestServer,
    app: { clientId: string; clientSecret: string },
    form: Record<string, string>,
  ) =>
    postForm(s.url, '/oauth/v2/revoke/token', form, {
      authorization: basicOf(app.clientId, app.clientSecret),
    });

  const userInfoStatus = async (s: TestServer, token: string): Promise<unknown> => {
    const res = await fetch(`${s.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${token}` },
    });
    const body = (await res.json()) as Record<string, unknown>;
    return typeof body.Email === 'string' ? 'ok' : body.error;
  };

  const refreshWorks = async (
    s: TestServer,
    app: { clientId: string; clientSecret: string },
    refreshToken: string,
  ): Promise<boolean> => {
    const res = await postForm(s.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    return typeof res.body.access_token === 'string';
  };

  it('R13.4: a refresh token revoked with Basic auth and token_type_hint answers {"status":"success"} and takes its access tokens with it', async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    const refreshToken = t.body.refresh_token as string;
    const res = await revoke(server, app, {
      token: refreshToken,
      token_type_hint: 'refresh_token',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'success' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await refreshWorks(server, app, refreshToken)).toBe(false);
    expect(await userInfoStatus(server, t.body.access_token as string)).not.toBe('ok');
  });

  it("R13.4: an access token revoked with Zoho's token_type=access_token leaves the refresh token working", async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    expect(await userInfoStatus(server, t.body.access_token as string)).toBe('ok');
    const res = await revoke(server, app, {
      token: t.body.access_token as string,
      token_type: 'access_token',
    });
    expect(res.body).toEqual({ status: 'success' });
    expect(await userInfoStatus(server, t.body.access_token as string)).not.toBe('ok');
    expect(await refreshWorks(server, app, t.body.refresh_token as string)).toBe(true);
  });

  it('R13.4: the type is a hint: a refresh token sent as access_token is still revoked', async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    const res = await revoke(server, app, {
      token: t.body.refresh_token as string,
      token_type_hint: 'access_token',
    });
    expect(res.body).toEqual({ status: 'success' });
    expect(await refreshWorks(server, app, t.body.refresh_token as string)).toBe(false);
  });

  it('R13.4: client credentials as parameters instead of Basic are invalid_client', async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    const res = await postForm(server.url, '/oauth/v2/revoke/token', {
      token: t.body.refresh_token as string,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ error: 'invalid_client' });
    expect(await refreshWorks(server, app, t.body.refresh_token as string)).toBe(true);
  });

  it('R13.4, R13.6: a wrong secret in Basic is invalid_client_secret (zoho) and 401 invalid_client (rfc)', async () => {
    const app = await server.addClient();
    const z = await revoke(server, { ...app, clientSecret: 'f'.repeat(42) }, { token: 'x' });
    expect(z.body).toEqual({ error: 'invalid_client_secret' });
    const rapp = await rfc.addClient();
    const r = await revoke(rfc, { ...rapp, clientSecret: 'f'.repeat(42) }, { token: 'x' });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it("R13.4: an unknown token, or another app's, is HTTP 400 failure and nothing is revoked", async () => {
    const app = await server.addClient();
    const other = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    const unknown = await revoke(server, app, { token: '1000.abc.def' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ status: 'failure', error: 'invalid_token' });
    const foreign = await revoke(server, other, { token: t.body.refresh_token as string });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toEqual({ status: 'failure', error: 'invalid_token' });
    expect(await refreshWorks(server, app, t.body.refresh_token as string)).toBe(true);
  });

  it('R13.4: a missing token and an unknown token type are invalid_request', async () => {
    const app = await server.addClient();
    expect((await revoke(server, app, {})).body).toEqual({ error: 'invalid_request' });
    expect((await revoke(server, app, { token: 'x', token_type_hint: 'id_token' })).body).toEqual({
      error: 'invalid_request',
    });
    expect(
      (
        await revoke(server, app, {
          token: 'x',
          token_type: 'access_token',
          token_type_hint: 'refresh_token',
        })
      ).body,
    ).toEqual({ error: 'invalid_request' });
  });

  it('R13.4: a public (client-based) app sends Basic with an empty secret', async () => {
    const app = await server.addClient({
      type: 'client',
      redirectUris: ['https://spa.example/cb'],
    });
    const verifier = randomBytes(32).toString('base64url');
    const redirect = await authorize(new Browser(server.url), await server.addUser(), {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
    });
    const t = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      code_verifier: verifier,
    });
    const token = t.body.access_token as string;
    expect(await userInfoStatus(server, token)).toBe('ok');
    const publicApp = { clientId: app.clientId, clientSecret: '' };
    expect((await revoke(server, publicApp, { token })).body).toEqual({ status: 'success' });
    expect(await userInfoStatus(server, token)).not.toBe('ok');
  });

  it('R13.4: GET is not a revocation (the token-endpoint error shape, nothing revoked)', async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    const res = await fetch(
      `${server.url}/oauth/v2/revoke/token?token=${encodeURIComponent(t.body.refresh_token as string)}`,
      { headers: { authorization: basicOf(app.clientId, app.clientSecret) } },
    );
    expect(((await res.json()) as Record<string, unknown>).error).toBe('invalid_request');
    expect(await refreshWorks(server, app, t.body.refresh_token as string)).toBe(true);
  });

  it('R13.4, R12.2: emulator faults for the revoke endpoint cover the second form', async () => {
    const app = await server.addClient();
    const added = await fetch(`${server.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'revoke', action: 'server_error' }),
    });
    expect(added.status).toBe(201);
    const res = await revoke(server, app, { token: 'x' });
    expect(res.status).toBe(500);
  });
});
