/**
 * tollgate/resource in remote mode (RFC 7662 introspection, SPEC R5.6, R6.4): a separate small
 * Fastify API protected by a running Tollgate, including the revocation delay of the cache.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  DEFAULT_REMOTE_CACHE_TTL_MS,
  tollgateResource,
  type TokenVerifier,
} from '../../src/exports/resource.ts';
import { storeKinds } from '../helpers/stores.ts';
import { obtainTokens, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { call, expectRefusal, tokenMinter } from '../api/helpers.ts';

const kind = storeKinds[0];
if (!kind) throw new Error('no store kind');

describe.each(['zoho', 'rfc'] as const)(
  'remote mode, a Fastify API in the %s profile',
  (profile) => {
    let tollgate: TestServer;
    let api: FastifyInstance;
    let apiUrl: string;
    let clock = 1_000_000;
    let introspections = 0;
    let mint: (scope: string) => Promise<string>;
    let resourceClient: { clientId: string; clientSecret: string };

    const countingFetch: typeof fetch = (input, init) => {
      introspections++;
      return fetch(input, init);
    };

    async function startApi(
      verifier: TokenVerifier,
    ): Promise<{ app: FastifyInstance; url: string }> {
      const app = Fastify();
      await app.register(tollgateResource, { verifier, profile });
      app.get(
        '/operators',
        { onRequest: app.requireScope('SalesIQ.operators.READ') },
        async (request) => ({ who: request.accessToken }),
      );
      app.post(
        '/portals',
        { onRequest: app.requireScope('SalesIQ.portals.CREATE', 'SalesIQ.portals.READ') },
        async () => ({ ok: true }),
      );
      app.get('/open', async () => ({ open: true }));
      return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
    }

    beforeAll(async () => {
      tollgate = await startServer(kind, { profile, throttle: false });
      const user = await tollgate.addUser();
      mint = await tokenMinter(tollgate, user.zuid);
      resourceClient = await tollgate.addClient({ name: 'Operators API' });
      const verifier = createTokenVerifier({
        mode: 'remote',
        issuer: tollgate.url,
        ...resourceClient,
        now: () => clock,
        fetch: countingFetch,
      });
      ({ app: api, url: apiUrl } = await startApi(verifier));
    });
    afterAll(async () => {
      await api.close();
      await tollgate.close();
    });

    it('R6.4: a live token with the scope passes, and the route sees its claims', async () => {
      const res = await call(apiUrl, '/operators', { token: await mint('SalesIQ.operators.READ') });
      expect(res.status).toBe(200);
      expect(res.body.who).toMatchObject({
        clientId: expect.stringMatching(/^1000\./),
        scopes: ['SalesIQ.operators.READ'],
      });
    });

    it('R7: ALL covers the operation; a missing scope is insufficient_scope naming it', async () => {
      expect(
        (await call(apiUrl, '/operators', { token: await mint('SalesIQ.operators.ALL') })).status,
      ).toBe(200);
      expectRefusal(
        await call(apiUrl, '/operators', { token: await mint('SalesIQ.visitors.READ') }),
        profile,
        'insufficient_scope',
        'SalesIQ.operators.READ',
      );
      const some = await call(apiUrl, '/portals', {
        token: await mint('SalesIQ.portals.CREATE'),
        method: 'POST',
      });
      expectRefusal(some, profile, 'insufficient_scope', 'SalesIQ.portals.READ');
      expect(
        (
          await call(apiUrl, '/portals', {
            token: await mint('SalesIQ.portals.ALL'),
            method: 'POST',
          })
        ).status,
      ).toBe(200);
    });

    it('R6: unknown, malformed and absent tokens are refused; routes without requireScope stay open', async () => {
      expectRefusal(
        await call(apiUrl, '/operators', { token: `1000.${'a'.repeat(32)}.${'b'.repeat(32)}` }),
        profile,
        'invalid_token',
      );
      expectRefusal(
        await call(apiUrl, '/operators', { header: 'Zoho-oauthtoken x' }),
        profile,
        'invalid_token',
      );
      expect((await call(apiUrl, '/operators')).status).toBe(profile === 'rfc' ? 401 : 200);
      expect((await call(apiUrl, '/open')).body).toEqual({ open: true });
    });

    it('R6.2: a token in the query string is refused', async () => {
      const token = await mint('SalesIQ.operators.READ');
      expectRefusal(
        await call(apiUrl, `/operators?access_token=${token}`),
        profile,
        'invalid_request',
      );
    });

    it('R6: a refresh token is active at introspection but is not accepted as an access token', async () => {
      const app = await tollgate.addClient();
      const tokens = await obtainTokens(tollgate, {
        ...app,
        scope: 'SalesIQ.operators.READ',
        accessType: 'offline',
      });
      expect(
        (await call(apiUrl, '/operators', { token: tokens.body.access_token as string })).status,
      ).toBe(200);
      expectRefusal(
        await call(apiUrl, '/operators', { token: tokens.body.refresh_token as string }),
        profile,
        'invalid_token',
      );
    });

    it('R5.6: a revoked token is refused once the cache lifetime (default 30 s) has passed, and not before', async () => {
      const token = await mint('SalesIQ.operators.READ');
      expect((await call(apiUrl, '/operators', { token })).status).toBe(200);
      expect(
        (await postForm(tollgate.url, `/oauth/v2/token/revoke?token=${token}`, {})).body,
      ).toEqual({ status: 'success' });
      clock += DEFAULT_REMOTE_CACHE_TTL_MS - 1;
      expect((await call(apiUrl, '/operators', { token })).status).toBe(200);
      clock += 1;
      expectRefusal(await call(apiUrl, '/operators', { token }), profile, 'invalid_token');
    });

    it('R5.6: answers are cached, so repeated and concurrent calls cost one introspection', async () => {
      const token = await mint('SalesIQ.operators.READ');
      const before = introspections;
      const results = await Promise.all(
        Array.from({ length: 10 }, () => call(apiUrl, '/operators', { token })),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      await call(apiUrl, '/operators', { token });
      expect(introspections - before).toBe(1);
    });

    it('R6: a token expiring inside the cache lifetime is refused at its expiry', async () => {
      const token = await mint('SalesIQ.operators.READ');
      tollgate.advance(3_600_000 - 10_000);
      try {
        // The verifier's clock follows Tollgate's for this test: the token has 10 s left.
        clock = tollgate.now();
        expect((await call(apiUrl, '/operators', { token })).status).toBe(200);
        clock += 10_000;
        expectRefusal(await call(apiUrl, '/operators', { token }), profile, 'invalid_token');
      } finally {
        tollgate.advance(-(3_600_000 - 10_000));
      }
    });

    it('R6.4: bad client credentials or an unreachable server are a 503, never an accepted token', async () => {
      const token = await mint('SalesIQ.operators.READ');
      const wrong = createTokenVerifier({
        mode: 'remote',
        issuer: tollgate.url,
        clientId: resourceClient.clientId,
        clientSecret: 'f'.repeat(42),
      });
      await expect(wrong.verifyAccessToken(`Bearer ${token}`)).rejects.toMatchObject({
        error: 'temporarily_unavailable',
        status: 503,
      });
      const down = createTokenVerifier({
        mode: 'remote',
        issuer: 'http://127.0.0.1:9',
        ...resourceClient,
        timeoutMs: 2000,
      });
      const { app, url } = await startApi(down);
      try {
        const res = await call(url, '/operators', { token });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
      } finally {
        await app.close();
      }
    });
  },
);
