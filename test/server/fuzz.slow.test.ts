/**
 * Bad input never yields a 5xx or a crash (issue 2, "Bad input"): fast-check throws random
 * requests at every endpoint of a real server, then a normal flow must still work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { storeKinds } from '../helpers/stores.ts';
import { obtainTokens, startServer, type TestServer } from '../helpers/server.ts';

const PATHS = [
  '/oauth/v2/auth',
  '/oauth/v2/token',
  '/oauth/v2/token/revoke',
  '/oauth/v2/revoke',
  '/oauth/v2/introspect',
  '/oauth/user/info',
  '/.well-known/oauth-authorization-server',
  '/login',
  '/logout',
  '/',
  '/console',
  '/account/connected-apps',
  '/api/v2/portals',
  '/api/v2/demo/operators',
  '/api/v2/demo/conversations',
  '/health',
];

const PARAM_NAMES = [
  'grant_type',
  'code',
  'client_id',
  'client_secret',
  'redirect_uri',
  'redirect_url',
  'refresh_token',
  'scope',
  'state',
  'response_type',
  'access_type',
  'prompt',
  'code_challenge',
  'code_challenge_method',
  'code_verifier',
  'token',
  'token_type_hint',
  'email',
  'password',
  'return_to',
  '_csrf',
  'decision',
  'request',
  'index',
  'limit',
  'access_token',
];

const VALUES = fc.oneof(
  fc.constantFrom(
    'authorization_code',
    'refresh_token',
    'client_credentials',
    'code',
    'offline',
    'consent',
    'S256',
    'plain',
    'AaaServer.profile.READ',
    'https://app.example.com/callback',
    '1000.ffffffffffffffffffffffffffffffff.ffffffffffffffffffffffffffffffff',
    '',
    '%',
    '\u0000',
    'a\r\nSet-Cookie: x=1',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '-1',
    '99999999999999999999',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const PARAMS = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 12 })), VALUES),
  { maxLength: 8 },
);

const REQUEST = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  path: fc.oneof(
    fc.constantFrom(...PATHS),
    fc
      .tuple(fc.constantFrom(...PATHS), fc.string({ maxLength: 20 }))
      .map(([p, s]) => p + encodeURIComponent(s)),
  ),
  query: PARAMS,
  body: fc.oneof(
    fc.constant(undefined),
    PARAMS.map((p) => ({
      type: 'application/x-www-form-urlencoded',
      data: new URLSearchParams(p).toString(),
    })),
    PARAMS.map((p) => ({ type: 'multipart', data: p })),
    fc.json().map((j) => ({ type: 'application/json', data: j })),
    fc
      .tuple(
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/xml',
          'multipart/form-data',
          'application/x-www-form-urlencoded; charset=latin1',
          'bogus',
          'multipart/form-data; boundary=x',
        ),
        fc.string({ maxLength: 200 }),
      )
      .map(([type, data]) => ({ type, data })),
  ),
  authorization: fc.option(
    fc.oneof(
      fc.constantFrom(
        'Basic',
        'Basic !!!',
        'Basic Og==',
        'Bearer',
        'Zoho-oauthtoken 1000.x',
        'Zoho-oauthtoken  ',
      ),
      fc.string({ maxLength: 60 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
      fc.string({ maxLength: 60 }),
    ),
  ),
  cookie: fc.option(
    fc.oneof(
      fc.constantFrom('tg_session=abc', 'tg_csrf=x; tg_session=', 'tg_session=%%%'),
      fc.string({ maxLength: 60 }),
    ),
  ),
});

function toInit(
  req: fc.Arbitrary<never> extends never ? never : Record<string, unknown>,
): RequestInit {
  const r = req as {
    method: string;
    body?: { type: string; data: unknown };
    authorization: string | null;
    cookie: string | null;
  };
  const headers: Record<string, string> = {};
  const safe = (v: string): boolean => /^[\t\x20-\x7e\x80-\xff]*$/.test(v);
  if (r.authorization !== null && safe(r.authorization)) headers.authorization = r.authorization;
  if (r.cookie !== null && safe(r.cookie)) headers.cookie = r.cookie;
  let body: BodyInit | undefined;
  if (r.body && r.method !== 'GET' && r.method !== 'HEAD') {
    if (r.body.type === 'multipart') {
      const form = new FormData();
      for (const [k, v] of r.body.data as [string, string][]) form.append(k, v);
      body = form;
    } else {
      headers['content-type'] = r.body.type;
      body = typeof r.body.data === 'string' ? r.body.data : JSON.stringify(r.body.data);
    }
  }
  return { method: r.method, headers, body, redirect: 'manual' };
}

describe.each(storeKinds)('random requests on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  it('never get a 5xx, and the server still serves a valid flow afterwards', async () => {
    const app = await server.addClient();
    await fc.assert(
      fc.asyncProperty(REQUEST, async (req) => {
        const q = new URLSearchParams(
          req.query.map(([k, v]) => [k.replace('{client}', app.clientId), v]),
        ).toString();
        const res = await fetch(`${server.url}${req.path}${q ? `?${q}` : ''}`, toInit(req));
        await res.arrayBuffer();
        expect(res.status, `${req.method} ${req.path}`).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
    expect(tokens.body.refresh_token).toBeDefined();
  });

  it('oversized, duplicated and wrongly typed input gets the protocol error, not a 5xx', async () => {
    const big = await fetch(`${server.url}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=${'x'.repeat(200_000)}`,
    });
    expect(big.status).toBeLessThan(500);
    expect(((await big.json()) as { error: string }).error).toBe('invalid_request');
    const dup = await fetch(`${server.url}/oauth/v2/token?grant_type=a&grant_type=b`, {
      method: 'POST',
    });
    expect(((await dup.json()) as { error: string }).error).toBe('invalid_request');
    const typed = await fetch(`${server.url}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type": {"$gt": ""}}',
    });
    expect(((await typed.json()) as { error: string }).error).toBe('invalid_request');
    const proto = await fetch(`${server.url}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"__proto__": {"x": 1}}',
    });
    expect(proto.status).toBeLessThan(500);
    const page = await fetch(`${server.url}/oauth/v2/auth?client_id=%ZZ`);
    expect(page.status).toBeLessThan(500);
  });
});
