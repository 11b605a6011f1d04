/**
 * SPEC R14.7: DPoP (RFC 9449) at Tollgate's token endpoint and its own resources, over HTTP on
 * both stores, in the rfc profile. Proofs are made with `jose` (test/helpers/dpop.ts),
 * independently of the checker under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { authorize, Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { dpopKey, type DpopKey } from '../helpers/dpop.ts';
import { answerOnPage } from '../helpers/device.ts';
import { authorizeRequest, createTokenVerifier, OAuthError } from '../../src/exports/resource.ts';

const ALGS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

describe.each(storeKinds)('R14.7 DPoP on $name', (kind) => {
  let server: TestServer;
  let tokenUrl: string;
  let key: DpopKey;
  let other: DpopKey;

  beforeAll(async () => {
    server = await startServer(kind, { profile: 'rfc', throttle: false });
    tokenUrl = `${server.url}/oauth/v2/token`;
    key = await dpopKey('ES256', () => server.now());
    other = await dpopKey('ES256', () => server.now());
  });
  afterAll(() => server.close());

  /** A code for a new user of `app`, with extra authorization parameters. */
  async function codeFor(
    app: { clientId: string; redirectUri: string },
    extra: Record<string, string> = {},
    scope = 'AaaServer.profile.READ',
  ): Promise<string> {
    const redirect = await authorize(new Browser(server.url), await server.addUser(), {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      scope,
      accessType: 'offline',
      extra,
    });
    const code = redirect.searchParams.get('code');
    if (!code) throw new Error(`no code: ${redirect.toString()}`);
    return code;
  }

  const exchange = (
    app: { clientId: string; clientSecret: string; redirectUri: string },
    code: string,
    headers: Record<string, string> = {},
    extra: Record<string, string> = {},
  ) =>
    postForm(
      server.url,
      '/oauth/v2/token',
      {
        grant_type: 'authorization_code',
        code,
        client_id: app.clientId,
        ...(app.clientSecret ? { client_secret: app.clientSecret } : {}),
        redirect_uri: app.redirectUri,
        ...extra,
      },
      headers,
    );

  const introspect = async (caller: { clientId: string; clientSecret: string }, token: string) =>
    (
      await postForm(server.url, '/oauth/v2/introspect', {
        token,
        client_id: caller.clientId,
        client_secret: caller.clientSecret,
      })
    ).body;

  const userInfo = async (authorization: string, dpop?: string) => {
    const res = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization, ...(dpop !== undefined ? { dpop } : {}) },
    });
    return {
      status: res.status,
      challenge: res.headers.get('www-authenticate'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  it('R14.7: metadata advertises dpop_signing_alg_values_supported (asymmetric only)', async () => {
    const res = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata.dpop_signing_alg_values_supported).toEqual(ALGS);
    const oidc = (await (
      await fetch(`${server.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(oidc.dpop_signing_alg_values_supported).toEqual(ALGS);
  });

  it('R14.7: in the zoho profile a bad proof is HTTP 200 {"error":"invalid_dpop_proof"}', async () => {
    const zohoApp = await server.addClient({ profile: 'zoho' });
    const res = await exchange(zohoApp, await codeFor(zohoApp), {
      dpop: await key.proof('GET', tokenUrl),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ error: 'invalid_dpop_proof' });
  });

  it('R14.7: a code exchanged with a DPoP proof gives token_type DPoP, bound to the key (cnf.jkt)', async () => {
    const app = await server.addClient();
    const res = await exchange(app, await codeFor(app), {
      dpop: await key.proof('POST', tokenUrl),
    });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('DPoP');
    const info = await introspect(app, String(res.body.access_token));
    expect(info).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    // A confidential client's refresh token is bound by its authentication, not the key.
    const refreshInfo = await introspect(app, String(res.body.refresh_token));
    expect(refreshInfo.active).toBe(true);
    expect(refreshInfo.cnf).toBeUndefined();
    // Without a proof the token is a Bearer token, as before.
    const plain = await exchange(app, await codeFor(app));
    expect(plain.body.token_type).toBe('Bearer');
    const plainInfo = await introspect(app, String(plain.body.access_token));
    expect(plainInfo.token_type).toBe('Bearer');
    expect(plainInfo.cnf).toBeUndefined();
  });

  it('R14.7: user info takes the bound token with Authorization: DPoP and a proof, and refuses it as Bearer', async () => {
    const app = await server.addClient();
    const res = await exchange(app, await codeFor(app), {
      dpop: await key.proof('POST', tokenUrl),
    });
    const token = String(res.body.access_token);
    const infoUrl = `${server.url}/oauth/user/info`;
    const ok = await userInfo(
      `DPoP ${token}`,
      await key.proof('GET', infoUrl, { accessToken: token }),
    );
    expect(ok.status).toBe(200);
    expect(ok.body.Display_Name).toBe('Ada Lovelace');

    const bearer = await userInfo(`Bearer ${token}`);
    expect(bearer.status).toBe(401);
    expect(bearer.body).toEqual({
      error: 'invalid_token',
      error_description:
        'The access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof.',
    });
    expect(bearer.challenge).toMatch(/^DPoP realm="tollgate", error="invalid_token", /);
    expect(bearer.challenge).toContain(`algs="${ALGS.join(' ')}"`);

    const wrongKey = await userInfo(
      `DPoP ${token}`,
      await other.proof('GET', infoUrl, { accessToken: token }),
    );
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body).toEqual({
      error: 'invalid_token',
      error_description: 'Invalid DPoP key binding.',
    });

    const noAth = await userInfo(`DPoP ${token}`, await key.proof('GET', infoUrl));
    expect(noAth.status).toBe(401);
    expect(noAth.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: "The proof's ath does not match the access token.",
    });
    expect(noAth.challenge).toMatch(/^DPoP realm="tollgate", error="invalid_dpop_proof", /);

    const wrongUrl = await userInfo(
      `DPoP ${token}`,
      await key.proof('GET', `${server.url}/oauth/v2/userinfo`, { accessToken: token }),
    );
    expect(wrongUrl.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The proof is for another URL.',
    });
  });

  it('R14.7: the SalesIQ-style API takes a bound token with its proof (htu on api_domain)', async () => {
    const app = await server.addClient();
    const code = await codeFor(app, {}, 'SalesIQ.portals.READ');
    const res = await exchange(app, code, { dpop: await key.proof('POST', tokenUrl) });
    const token = String(res.body.access_token);
    const url = `${server.url}/api/v2/portals`;
    const ok = await fetch(url, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await key.proof('GET', url, { accessToken: token }),
      },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: unknown[] }).data).toEqual([]);
    const bearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(401);
    expect(await bearer.json()).toEqual({
      error: 'invalid_token',
      error_description:
        'The access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof.',
    });
  });

  it('R14.7: a bad proof at the token endpoint is invalid_dpop_proof (400) and does not use the code', async () => {
    const app = await server.addClient();
    const code = await codeFor(app);
    const s = Math.floor(server.now() / 1000);
    const cases: [string, string][] = [
      [await key.proof('POST', `${server.url}/oauth/v2/par`), 'The proof is for another URL.'],
      [await key.proof('GET', tokenUrl), 'The proof is for another HTTP method.'],
      [await key.proof('POST', tokenUrl, { iat: s - 61 }), 'The proof is too old.'],
      [await key.proof('POST', tokenUrl, { iat: s + 30 }), 'The proof is issued in the future.'],
      [await key.proof('POST', tokenUrl, { typ: 'JWT' }), 'The proof\'s typ must be "dpop+jwt".'],
      [
        await key.proof('POST', tokenUrl, { jwk: other.publicJwk }),
        "The proof's signature does not verify.",
      ],
      ['not-a-proof', 'The DPoP proof is not a compact JWS.'],
    ];
    for (const [proof, description] of cases) {
      const res = await exchange(app, code, { dpop: proof });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_dpop_proof', error_description: description });
    }
    const replayed = await key.proof('POST', tokenUrl);
    const good = await exchange(app, code, { dpop: replayed });
    expect(good.status).toBe(200);
    expect(good.body.token_type).toBe('DPoP');
    // The same proof again (another code): a replayed jti.
    const again = await exchange(app, await codeFor(app), { dpop: replayed });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The proof was used before.',
    });
  });

  it('R14.7: the iat window follows the server clock and --dpop-iat-window', async () => {
    const narrow = await startServer(kind, { profile: 'rfc', throttle: false, dpopIatWindow: 5 });
    try {
      const app = await narrow.addClient();
      const k = await dpopKey('ES256', () => narrow.now());
      const url = `${narrow.url}/oauth/v2/token`;
      const redirect = await authorize(new Browser(narrow.url), await narrow.addUser(), {
        clientId: app.clientId,
        redirectUri: app.redirectUri,
        accessType: 'offline',
      });
      const proof = await k.proof('POST', url);
      narrow.advance(6_000);
      const res = await postForm(
        narrow.url,
        '/oauth/v2/token',
        {
          grant_type: 'authorization_code',
          code: redirect.searchParams.get('code') ?? '',
          client_id: app.clientId,
          client_secret: app.clientSecret,
          redirect_uri: app.redirectUri,
        },
        { dpop: proof },
      );
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'The proof is too old.',
      });
    } finally {
      await narrow.close();
    }
  });

  it('R14.7: a code requested with dpop_jkt is exchanged only with a proof by that key (RFC 9449 §10)', async () => {
    const app = await server.addClient();
    const noProof = await exchange(app, await codeFor(app, { dpop_jkt: key.jkt }));
    expect(noProof.status).toBe(400);
    expect(noProof.body).toEqual({
      error: 'invalid_grant',
      error_description: 'This code is bound to a DPoP key (dpop_jkt): send a DPoP proof by it.',
    });
    const otherKey = await exchange(app, await codeFor(app, { dpop_jkt: key.jkt }), {
      dpop: await other.proof('POST', tokenUrl),
    });
    expect(otherKey.status).toBe(400);
    expect(otherKey.body).toEqual({
      error: 'invalid_grant',
      error_description:
        'The DPoP proof is signed by another key than the code is bound to (dpop_jkt).',
    });
    const ok = await exchange(app, await codeFor(app, { dpop_jkt: key.jkt }), {
      dpop: await key.proof('POST', tokenUrl),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('DPoP');

    const redirect = await authorize(new Browser(server.url), await server.addUser(), {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      extra: { dpop_jkt: 'too-short' },
    });
    expect(redirect.searchParams.get('error')).toBe('invalid_request');
    expect(redirect.searchParams.get('error_description')).toBe(
      'dpop_jkt must be a SHA-256 JWK thumbprint (RFC 7638).',
    );
  });

  it("R14.7: a public client's refresh token is bound to the key: no proof or another key is invalid_grant", async () => {
    const app = await server.addClient({
      type: 'mobile',
      redirectUris: ['https://app.example.com/cb'],
    });
    const verifier = 'v'.repeat(64);
    const { createHash } = await import('node:crypto');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const code = await codeFor(app, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const first = await exchange(
      app,
      code,
      { dpop: await key.proof('POST', tokenUrl) },
      { code_verifier: verifier },
    );
    expect(first.status).toBe(200);
    expect(first.body.token_type).toBe('DPoP');
    const resourceServer = await server.addClient();
    expect(await introspect(resourceServer, String(first.body.refresh_token))).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      cnf: { jkt: key.jkt },
    });
    const refresh = (dpop?: string) =>
      postForm(
        server.url,
        '/oauth/v2/token',
        {
          grant_type: 'refresh_token',
          refresh_token: String(first.body.refresh_token),
          client_id: app.clientId,
        },
        dpop === undefined ? {} : { dpop },
      );
    const none = await refresh();
    expect(none.status).toBe(400);
    expect(none.body).toEqual({
      error: 'invalid_grant',
      error_description: 'This refresh token is DPoP-bound: send a DPoP proof by its key.',
    });
    const wrong = await refresh(await other.proof('POST', tokenUrl));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({
      error: 'invalid_grant',
      error_description:
        'The DPoP proof is signed by another key than the refresh token is bound to.',
    });
    const ok = await refresh(await key.proof('POST', tokenUrl));
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('DPoP');
    // Public clients' refresh tokens rotate; the new one keeps the binding.
    expect(await introspect(resourceServer, String(ok.body.refresh_token))).toMatchObject({
      active: true,
      cnf: { jkt: key.jkt },
    });
    expect(await introspect(resourceServer, String(ok.body.access_token))).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: key.jkt },
    });
  });

  it("R14.7: a confidential client's refresh is not bound: a proof binds the new access token only", async () => {
    const app = await server.addClient();
    const first = await exchange(app, await codeFor(app), {
      dpop: await key.proof('POST', tokenUrl),
    });
    const form = {
      grant_type: 'refresh_token',
      refresh_token: String(first.body.refresh_token),
      client_id: app.clientId,
      client_secret: app.clientSecret,
    };
    const plain = await postForm(server.url, '/oauth/v2/token', form);
    expect(plain.status).toBe(200);
    expect(plain.body.token_type).toBe('Bearer');
    const bound = await postForm(server.url, '/oauth/v2/token', form, {
      dpop: await other.proof('POST', tokenUrl),
    });
    expect(bound.body.token_type).toBe('DPoP');
    expect(await introspect(app, String(bound.body.access_token))).toMatchObject({
      cnf: { jkt: other.jkt },
    });
  });

  it('R14.7: a self client (client_credentials) gets a DPoP-bound token with a proof', async () => {
    const owner = await server.addUser();
    const self = await server.addClient({ type: 'self', owner: owner.zuid });
    const res = await postForm(
      server.url,
      '/oauth/v2/token',
      {
        grant_type: 'client_credentials',
        client_id: self.clientId,
        client_secret: self.clientSecret,
        scope: 'AaaServer.profile.READ',
      },
      { dpop: await key.proof('POST', tokenUrl) },
    );
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('DPoP');
    expect(await introspect(self, String(res.body.access_token))).toMatchObject({
      cnf: { jkt: key.jkt },
    });
  });

  it('R14.7: a DPoP proof at the PAR endpoint binds the code like dpop_jkt (RFC 9449 §10.1)', async () => {
    const app = await server.addClient();
    const parUrl = `${server.url}/oauth/v2/par`;
    const pushed = await postForm(
      server.url,
      '/oauth/v2/par',
      {
        client_id: app.clientId,
        client_secret: app.clientSecret,
        response_type: 'code',
        redirect_uri: app.redirectUri,
        scope: 'AaaServer.profile.READ',
      },
      { dpop: await key.proof('POST', parUrl) },
    );
    expect(pushed.status).toBe(201);
    const redirect = await authorize(new Browser(server.url), await server.addUser(), {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      extra: { request_uri: String(pushed.body.request_uri) },
    });
    const code = redirect.searchParams.get('code') ?? '';
    const res = await exchange(app, code, { dpop: await other.proof('POST', tokenUrl) });
    expect(res.body).toEqual({
      error: 'invalid_grant',
      error_description:
        'The DPoP proof is signed by another key than the code is bound to (dpop_jkt).',
    });
    const mismatch = await postForm(
      server.url,
      '/oauth/v2/par',
      {
        client_id: app.clientId,
        client_secret: app.clientSecret,
        response_type: 'code',
        redirect_uri: app.redirectUri,
        scope: 'AaaServer.profile.READ',
        dpop_jkt: other.jkt,
      },
      { dpop: await key.proof('POST', parUrl) },
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: "dpop_jkt is not the thumbprint of the DPoP proof's key.",
    });
  });

  it('R14.7: the device_code grant binds its tokens to the proof of the polling request', async () => {
    const app = await server.addClient();
    const started = await postForm(server.url, '/oauth/v2/device_authorization', {
      client_id: app.clientId,
      scope: 'AaaServer.profile.READ',
      access_type: 'offline',
    });
    await answerOnPage(server.url, await server.addUser(), String(started.body.user_code));
    const tokens = await postForm(
      server.url,
      '/oauth/v2/token',
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: String(started.body.device_code),
        client_id: app.clientId,
        client_secret: app.clientSecret,
      },
      { dpop: await key.proof('POST', tokenUrl) },
    );
    expect(tokens.status).toBe(200);
    expect(tokens.body.token_type).toBe('DPoP');
    expect(await introspect(app, String(tokens.body.access_token))).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: key.jkt },
    });
  });

  it('R14.7: @tollgate/resource in remote mode reads cnf.jkt from introspection and checks the proof', async () => {
    const app = await server.addClient();
    const rs = await server.addClient({ name: 'Resource server' });
    const verifier = createTokenVerifier({
      mode: 'remote',
      issuer: server.url,
      ...rs,
      now: () => server.now(),
    });
    const res = await exchange(app, await codeFor(app), {
      dpop: await key.proof('POST', tokenUrl),
    });
    const token = String(res.body.access_token);
    const url = 'https://api.example.com/things';
    const claims = await authorizeRequest(verifier, '/things', `DPoP ${token}`, [], {
      request: { method: 'GET', url, dpop: await key.proof('GET', url, { accessToken: token }) },
    });
    expect(claims.confirmation).toEqual({ jkt: key.jkt });
    const refused = await authorizeRequest(verifier, '/things', `Bearer ${token}`, [], {
      request: { method: 'GET', url, dpop: undefined },
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OAuthError);
    expect((refused as OAuthError).error).toBe('invalid_token');
    expect((refused as OAuthError).challenge).toBe('DPoP');
  });
});
