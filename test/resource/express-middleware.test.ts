/**
 * The plain (req, res, next) middleware of tollgate/resource on a bare node:http server, in
 * local mode over Tollgate's store (with and without the validation cache, SPEC R5.6) and in
 * remote mode.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  requireScopeMiddleware,
  type AuthorizedRequest,
  type Middleware,
  type TokenVerifier,
} from '../../src/exports/resource.ts';
import { storeKinds } from '../helpers/stores.ts';
import { postForm, startServer, type TestServer } from '../helpers/server.ts';
import { call, expectRefusal, tokenMinter } from '../api/helpers.ts';

const kind = storeKinds[0];
if (!kind) throw new Error('no store kind');

/** A node:http server running one middleware before a handler that echoes the claims. */
async function serve(middleware: Middleware): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    middleware(req as AuthorizedRequest, res, (error) => {
      res.writeHead(error ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ who: (req as AuthorizedRequest).accessToken }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => server.close(() => resolve()));

describe.each(['zoho', 'rfc'] as const)(
  'the (req, res, next) middleware, %s profile',
  (profile) => {
    let tollgate: TestServer;
    let mint: (scope: string) => Promise<string>;
    const servers: Server[] = [];

    async function protect(
      verifier: TokenVerifier,
      scopes = ['SalesIQ.visitors.READ'],
    ): Promise<string> {
      const { url, server } = await serve(requireScopeMiddleware({ verifier, scopes, profile }));
      servers.push(server);
      return url;
    }

    beforeAll(async () => {
      tollgate = await startServer(kind, { profile, throttle: false });
      mint = await tokenMinter(tollgate, (await tollgate.addUser()).zuid);
    });
    afterAll(async () => {
      await Promise.all(servers.map(close));
      await tollgate.close();
    });

    it('R6, R7: local mode passes the right scope and ALL, refuses the rest in the profile shape', async () => {
      const url = await protect(
        createTokenVerifier({ mode: 'local', store: tollgate.store, now: tollgate.now }),
      );
      const ok = await call(url, '/', { token: await mint('SalesIQ.visitors.READ') });
      expect(ok.status).toBe(200);
      expect(ok.body.who).toMatchObject({ scopes: ['SalesIQ.visitors.READ'] });
      expect(
        (await call(url, '/', { header: `Bearer ${await mint('SalesIQ.visitors.ALL')}` })).status,
      ).toBe(200);
      expectRefusal(
        await call(url, '/', { token: await mint('SalesIQ.operators.READ') }),
        profile,
        'insufficient_scope',
        'SalesIQ.visitors.READ',
      );
      expectRefusal(
        await call(url, '/', { header: 'Zoho-oauthtoken 1000.nope' }),
        profile,
        'invalid_token',
      );
      expectRefusal(
        await call(url, `/?token=${await mint('SalesIQ.visitors.READ')}`),
        profile,
        'invalid_request',
      );
      const res = await call(url, '/', {});
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('R6.3: local mode without a cache refuses a revoked token at once', async () => {
      const url = await protect(
        createTokenVerifier({ mode: 'local', store: tollgate.store, now: tollgate.now }),
      );
      const token = await mint('SalesIQ.visitors.READ');
      expect((await call(url, '/', { token })).status).toBe(200);
      await postForm(tollgate.url, `/oauth/v2/token/revoke?token=${token}`, {});
      expectRefusal(await call(url, '/', { token }), profile, 'invalid_token');
    });

    it('R5.6: local mode with a validation cache accepts a revoked token for at most the cache lifetime', async () => {
      let clock = tollgate.now();
      const url = await protect(
        createTokenVerifier({
          mode: 'local',
          store: tollgate.store,
          now: () => clock,
          cacheTtlMs: 5_000,
        }),
      );
      const token = await mint('SalesIQ.visitors.READ');
      expect((await call(url, '/', { token })).status).toBe(200);
      await postForm(tollgate.url, `/oauth/v2/token/revoke?token=${token}`, {});
      clock += 4_999;
      expect((await call(url, '/', { token })).status).toBe(200);
      clock += 1;
      expectRefusal(await call(url, '/', { token }), profile, 'invalid_token');
    });

    it('R6.4: remote mode works the same behind node:http', async () => {
      const client = await tollgate.addClient({ name: 'Visitors API' });
      const url = await protect(
        createTokenVerifier({ mode: 'remote', issuer: tollgate.url, ...client }),
        ['SalesIQ.visitors.READ', 'SalesIQ.visitors.UPDATE'],
      );
      expect((await call(url, '/', { token: await mint('SalesIQ.visitors.ALL') })).status).toBe(
        200,
      );
      expectRefusal(
        await call(url, '/', { token: await mint('SalesIQ.visitors.READ') }),
        profile,
        'insufficient_scope',
        'SalesIQ.visitors.UPDATE',
      );
    });
  },
);

describe('R15.6: the server option --token-cache-ttl', () => {
  let tollgate: TestServer;
  beforeAll(async () => {
    tollgate = await startServer(kind, { throttle: false, tokenCacheTtl: 5 });
  });
  afterAll(() => tollgate.close());

  it('R15.6: with the cache on, the API refuses a revoked token at once', async () => {
    const mint = await tokenMinter(tollgate, (await tollgate.addUser()).zuid);
    const token = await mint('SalesIQ.portals.READ');
    expect((await call(tollgate.url, '/api/v2/portals', { token })).body.data).toEqual([]);
    await postForm(tollgate.url, `/oauth/v2/token/revoke?token=${token}`, {});
    expectRefusal(await call(tollgate.url, '/api/v2/portals', { token }), 'zoho', 'invalid_token');
  });
});
