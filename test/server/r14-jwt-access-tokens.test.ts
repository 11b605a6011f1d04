/**
 * SPEC R14.8: JWT access tokens (RFC 9068) with `--access-token-format jwt` or per client, signed
 * with the R13.3 key and still stored as a hash (introspection, revocation, Tollgate's own APIs);
 * checked independently with `jose` against the published JWK Set, and by `@tollgate/resource`'s
 * JWT verifier without a call per request. Both stores, rfc profile.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKey, DEFAULT_KEY_REFRESH_MS } from '../../src/core/signing-keys.ts';
import {
  createTokenVerifier,
  tollgateResource,
  type TokenVerifier,
} from '../../src/exports/resource.ts';
import { storeKinds } from '../helpers/stores.ts';
import { authorize, Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { dpopKey } from '../helpers/dpop.ts';
import { answerOnPage } from '../helpers/device.ts';

const MCP = 'https://mcp.example.com/mcp';
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

describe.each(storeKinds)('R14.8 JWT access tokens on $name', (kind) => {
  let server: TestServer;
  let tokenUrl: string;

  beforeAll(async () => {
    server = await startServer(kind, {
      profile: 'rfc',
      throttle: false,
      accessTokenFormat: 'jwt',
      resources: MCP,
    });
    tokenUrl = `${server.url}/oauth/v2/token`;
  });
  afterAll(() => server.close());

  async function tokensFor(
    on: TestServer,
    app: { clientId: string; clientSecret: string; redirectUri: string },
    extra: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    const redirect = await authorize(new Browser(on.url), await on.addUser(), {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      accessType: 'offline',
      extra,
    });
    return postForm(
      on.url,
      '/oauth/v2/token',
      {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
      },
      headers,
    );
  }

  it('R14.8: a JWT access token (typ at+jwt) verifies with jose against the JWKS, with the RFC 9068 claims', async () => {
    const app = await server.addClient();
    const res = await tokensFor(server, app);
    expect(res.status).toBe(200);
    const token = String(res.body.access_token);
    expect(token).toMatch(JWT);
    expect(res.body.refresh_token).toMatch(/^1000\./);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth/v2/keys`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: server.url,
      audience: app.clientId,
      typ: 'at+jwt',
      algorithms: ['RS256'],
      currentDate: new Date(server.now()),
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(typeof protectedHeader.kid).toBe('string');
    expect(Object.keys(payload).sort()).toEqual(
      ['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub'].sort(),
    );
    expect(payload).toMatchObject({
      iss: server.url,
      aud: app.clientId,
      client_id: app.clientId,
      scope: 'AaaServer.profile.READ',
    });
    expect(payload.sub).toMatch(/^\d+$/);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('R14.8: aud is the resource when one was asked for, and cnf.jkt names the DPoP key', async () => {
    const app = await server.addClient();
    const key = await dpopKey('ES256', () => server.now());
    const res = await tokensFor(
      server,
      app,
      { resource: MCP },
      { dpop: await key.proof('POST', tokenUrl) },
    );
    expect(res.body.token_type).toBe('DPoP');
    const { payload } = await jwtVerify(
      String(res.body.access_token),
      createRemoteJWKSet(new URL(`${server.url}/oauth/v2/keys`)),
      { issuer: server.url, audience: MCP, typ: 'at+jwt', currentDate: new Date(server.now()) },
    );
    expect(payload.aud).toBe(MCP);
    expect(payload.cnf).toEqual({ jkt: key.jkt });
  });

  it('R14.8: still stored as a hash: user info and introspection take it, and revocation ends it', async () => {
    const app = await server.addClient();
    const res = await tokensFor(server, app);
    const token = String(res.body.access_token);
    const info = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(info.status).toBe(200);
    const introspected = await postForm(server.url, '/oauth/v2/introspect', {
      token,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(introspected.body).toMatchObject({ active: true, token_type: 'Bearer' });
    const revoked = await postForm(server.url, '/oauth/v2/revoke', {
      token,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(revoked.status).toBe(200);
    const after = await postForm(server.url, '/oauth/v2/introspect', {
      token,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(after.body).toEqual({ active: false });
    const refused = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.status).toBe(401);
  });

  it('R14.8: the device_code and client_credentials grants issue JWT access tokens too', async () => {
    const app = await server.addClient();
    const started = await postForm(server.url, '/oauth/v2/device_authorization', {
      client_id: app.clientId,
      scope: 'AaaServer.profile.READ',
    });
    await answerOnPage(server.url, await server.addUser(), String(started.body.user_code));
    const device = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: String(started.body.device_code),
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(device.status).toBe(200);
    expect(decodeProtectedHeader(String(device.body.access_token)).typ).toBe('at+jwt');
    const owner = await server.addUser();
    const self = await server.addClient({ type: 'self', owner: owner.zuid });
    const cc = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'client_credentials',
      client_id: self.clientId,
      client_secret: self.clientSecret,
      scope: 'AaaServer.profile.READ',
    });
    expect(cc.status).toBe(200);
    const { payload } = await jwtVerify(
      String(cc.body.access_token),
      createRemoteJWKSet(new URL(`${server.url}/oauth/v2/keys`)),
      { issuer: server.url, typ: 'at+jwt', currentDate: new Date(server.now()) },
    );
    expect(payload).toMatchObject({ sub: String(owner.zuid), client_id: self.clientId });
  });

  it('R14.8: the refresh grant issues JWT access tokens too', async () => {
    const app = await server.addClient();
    const first = await tokensFor(server, app);
    const refreshed = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: String(first.body.refresh_token),
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(refreshed.status).toBe(200);
    expect(String(refreshed.body.access_token)).toMatch(JWT);
    expect(decodeProtectedHeader(String(refreshed.body.access_token)).typ).toBe('at+jwt');
  });

  it('R14.8: the Zoho opaque format stays the default; a client may choose jwt for itself', async () => {
    const plain = await startServer(kind, { profile: 'rfc', throttle: false });
    try {
      const opaque = await plain.addClient();
      expect(String((await tokensFor(plain, opaque)).body.access_token)).toMatch(
        /^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/,
      );
      const jwtClient = await plain.addClient();
      await plain.store.updateClient(jwtClient.clientId, { accessTokenFormat: 'jwt' });
      const res = await tokensFor(plain, jwtClient);
      expect(String(res.body.access_token)).toMatch(JWT);
      expect(decodeProtectedHeader(String(res.body.access_token)).typ).toBe('at+jwt');
      // And the other way round: a client may keep opaque tokens on a jwt server.
      const keepsOpaque = await server.addClient();
      await server.store.updateClient(keepsOpaque.clientId, { accessTokenFormat: 'opaque' });
      expect(String((await tokensFor(server, keepsOpaque)).body.access_token)).toMatch(/^1000\./);
    } finally {
      await plain.close();
    }
  });

  describe('R14.8: @tollgate/resource verifies JWT access tokens locally from the JWKS', () => {
    let api: FastifyInstance;
    let apiUrl: string;
    let clock: number;
    let keyFetches = 0;
    let verifier: TokenVerifier;

    beforeAll(async () => {
      clock = server.now();
      verifier = createTokenVerifier({
        mode: 'jwt',
        issuer: server.url,
        now: () => clock,
        fetch: (input, init) => {
          keyFetches++;
          return fetch(input, init);
        },
      });
      api = Fastify();
      await api.register(tollgateResource, {
        verifier,
        profile: 'rfc',
        protectedResource: { resource: MCP, authorizationServers: [server.url] },
      });
      api.get(
        '/mcp',
        { onRequest: api.requireScope('AaaServer.profile.READ') },
        async (request) => ({
          token: request.accessToken,
        }),
      );
      apiUrl = (await api.listen({ port: 0, host: '127.0.0.1' })) + '/mcp';
    });
    afterAll(() => api.close());

    const call = async (authorization: string, dpop?: string) => {
      const res = await fetch(apiUrl, {
        headers: { authorization, ...(dpop !== undefined ? { dpop } : {}) },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('R14.8: a token for this resource passes without any call to Tollgate but the key set (cached)', async () => {
      const app = await server.addClient();
      const before = keyFetches;
      for (let i = 0; i < 3; i++) {
        const token = String((await tokensFor(server, app, { resource: MCP })).body.access_token);
        const res = await call(`Bearer ${token}`);
        expect(res.status).toBe(200);
        expect(res.body.token).toMatchObject({
          clientId: app.clientId,
          scopes: ['AaaServer.profile.READ'],
          audience: [MCP],
        });
      }
      expect(keyFetches - before).toBeLessThanOrEqual(1);
    });

    it('R14.8: audience, expiry, signature and typ are checked', async () => {
      const app = await server.addClient();
      const other = String((await tokensFor(server, app)).body.access_token);
      expect(await call(`Bearer ${other}`)).toEqual({
        status: 401,
        body: {
          error: 'invalid_token',
          error_description: 'The access token was not issued for this resource.',
        },
      });
      const token = String((await tokensFor(server, app, { resource: MCP })).body.access_token);
      const [h, p, s] = token.split('.') as [string, string, string];
      const tampered = `${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      expect((await call(`Bearer ${tampered}`)).body).toEqual({
        error: 'invalid_token',
        error_description: 'The access token is invalid.',
      });
      const idToken = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'x' })).toString('base64url')}.${p}.${s}`;
      expect((await call(`Bearer ${idToken}`)).body).toEqual({
        error: 'invalid_token',
        error_description: 'The access token is not a JWT access token (typ at+jwt).',
      });
      const saved = clock;
      clock = server.now() + 3_601_000;
      try {
        expect((await call(`Bearer ${token}`)).body).toEqual({
          error: 'invalid_token',
          error_description: 'The access token has expired.',
        });
      } finally {
        clock = saved;
      }
    });

    it('R14.8: a DPoP-bound JWT passes only with a proof by its key', async () => {
      const app = await server.addClient();
      const key = await dpopKey('ES256', () => clock);
      const res = await tokensFor(
        server,
        app,
        { resource: MCP },
        { dpop: await (await dpopKey('ES256', () => server.now())).proof('POST', tokenUrl) },
      );
      // Bound to another key than `key`: refused even with a valid proof by `key`.
      const token = String(res.body.access_token);
      expect(
        (await call(`DPoP ${token}`, await key.proof('GET', apiUrl, { accessToken: token }))).body,
      ).toEqual({ error: 'invalid_token', error_description: 'Invalid DPoP key binding.' });
      const bound = String(
        (
          await tokensFor(
            server,
            app,
            { resource: MCP },
            { dpop: await key.proof('POST', tokenUrl) },
          )
        ).body.access_token,
      );
      const ok = await call(
        `DPoP ${bound}`,
        await key.proof('GET', apiUrl, { accessToken: bound }),
      );
      expect(ok.status).toBe(200);
      expect(ok.body.token).toMatchObject({ confirmation: { jkt: key.jkt } });
      expect((await call(`Bearer ${bound}`)).status).toBe(401);
    });

    it('R14.8: after a key rotation, an unknown kid refetches the key set', async () => {
      const app = await server.addClient();
      const before = String((await tokensFor(server, app, { resource: MCP })).body.access_token);
      expect((await call(`Bearer ${before}`)).status).toBe(200);
      const rotated = await rotateSigningKey(server.store, server.now());
      // The new key signs once every instance has had time to see it.
      server.advance(DEFAULT_KEY_REFRESH_MS + 1_000);
      clock = server.now() + 31_000;
      const after = String((await tokensFor(server, app, { resource: MCP })).body.access_token);
      expect(decodeProtectedHeader(after).kid).toBe(rotated.kid);
      const fetches = keyFetches;
      expect((await call(`Bearer ${after}`)).status).toBe(200);
      expect(keyFetches).toBe(fetches + 1);
      // The old key is still published, so tokens it signed keep working.
      expect((await call(`Bearer ${before}`)).status).toBe(200);
    });
  });
});
