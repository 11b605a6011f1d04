/**
 * DPoP at a protected resource (SPEC R14.7, RFC 9449 §4.3 and §7): the one proof checker of
 * `@tollgate/resource`, fed proofs made independently with `jose`, and a Fastify API using the
 * package's plugin, reached over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCachedVerifier,
  createDpopChecker,
  DPOP_ALGORITHMS,
  jwkThumbprint,
  memoryReplayCheck,
  OAuthError,
  requireScopeMiddleware,
  tollgateResource,
  type AccessTokenClaims,
  type AuthorizedRequest,
  type DpopChecker,
} from '../../src/exports/resource.ts';
import { dpopKey, type DpopKey } from '../helpers/dpop.ts';

const URL_ = 'https://api.example.com/operators';
const T0 = 1_800_000_000_000;

async function refusal(promise: Promise<unknown>): Promise<{ error: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OAuthError) return { error: error.error, message: error.description };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('R14.7: the DPoP proof checker of @tollgate/resource', () => {
  let clock = T0;
  let checker: DpopChecker;
  let key: DpopKey;
  beforeAll(async () => {
    checker = createDpopChecker({ now: () => clock });
    key = await dpopKey('ES256', () => clock);
  });

  it.each(['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'])(
    'R14.7: a %s proof passes and yields the RFC 7638 thumbprint as jkt',
    async (alg) => {
      const k = await dpopKey(alg, () => clock);
      const proof = await checker.check({
        proof: await k.proof('GET', URL_),
        method: 'GET',
        url: URL_,
      });
      expect(proof.jkt).toBe(k.jkt);
      expect(jwkThumbprint(k.publicJwk as Record<string, unknown>)).toBe(k.jkt);
      expect(proof.iat).toBe(Math.floor(clock / 1000));
    },
  );

  it('R14.7: the accepted algorithms are asymmetric only', () => {
    expect([...DPOP_ALGORITHMS]).toEqual(['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA']);
  });

  it('R14.7: htu is compared without query or fragment; htm exactly', async () => {
    const ok = await checker.check({
      proof: await key.proof('GET', `${URL_}?page=2#top`),
      method: 'GET',
      url: `${URL_}?other=1`,
    });
    expect(ok.jkt).toBe(key.jkt);
    expect(
      await refusal(
        checker.check({ proof: await key.proof('GET', URL_), method: 'POST', url: URL_ }),
      ),
    ).toEqual({ error: 'invalid_dpop_proof', message: 'The proof is for another HTTP method.' });
    expect(
      await refusal(
        checker.check({
          proof: await key.proof('GET', 'https://api.example.com/portals'),
          method: 'GET',
          url: URL_,
        }),
      ),
    ).toEqual({ error: 'invalid_dpop_proof', message: 'The proof is for another URL.' });
    expect(
      await refusal(
        checker.check({
          proof: await key.proof('GET', 'https://evil.example.com/operators'),
          method: 'GET',
          url: URL_,
        }),
      ),
    ).toEqual({ error: 'invalid_dpop_proof', message: 'The proof is for another URL.' });
  });

  it('R14.7: iat must lie within the window (60 s back, 5 s ahead) of the clock', async () => {
    const s = Math.floor(clock / 1000);
    const check = async (iat: number) =>
      checker.check({ proof: await key.proof('GET', URL_, { iat }), method: 'GET', url: URL_ });
    expect((await check(s - 60)).jkt).toBe(key.jkt);
    expect((await check(s + 5)).jkt).toBe(key.jkt);
    expect(await refusal(check(s - 61))).toEqual({
      error: 'invalid_dpop_proof',
      message: 'The proof is too old.',
    });
    expect(await refusal(check(s + 6))).toEqual({
      error: 'invalid_dpop_proof',
      message: 'The proof is issued in the future.',
    });
    const narrow = createDpopChecker({ now: () => clock, iatWindowSeconds: 10 });
    expect(
      await refusal(
        narrow.check({
          proof: await key.proof('GET', URL_, { iat: s - 11 }),
          method: 'GET',
          url: URL_,
        }),
      ),
    ).toEqual({ error: 'invalid_dpop_proof', message: 'The proof is too old.' });
  });

  it('R14.7: a jti is accepted once (replay refused), also after the clock moves', async () => {
    const proof = await key.proof('GET', URL_);
    expect((await checker.check({ proof, method: 'GET', url: URL_ })).jkt).toBe(key.jkt);
    clock += 30_000;
    expect(await refusal(checker.check({ proof, method: 'GET', url: URL_ }))).toEqual({
      error: 'invalid_dpop_proof',
      message: 'The proof was used before.',
    });
    clock = T0;
  });

  it('R14.7: ath must be the SHA-256 of the presented access token', async () => {
    const token = '1000.' + 'a'.repeat(32) + '.' + 'b'.repeat(32);
    const ok = await checker.check({
      proof: await key.proof('GET', URL_, { accessToken: token }),
      method: 'GET',
      url: URL_,
      accessToken: token,
    });
    expect(ok.jkt).toBe(key.jkt);
    for (const proof of [
      await key.proof('GET', URL_),
      await key.proof('GET', URL_, { accessToken: 'another' }),
    ]) {
      expect(
        await refusal(checker.check({ proof, method: 'GET', url: URL_, accessToken: token })),
      ).toEqual({
        error: 'invalid_dpop_proof',
        message: "The proof's ath does not match the access token.",
      });
    }
  });

  it('R14.7: typ, alg, jwk and signature are checked', async () => {
    const other = await dpopKey('ES256', () => clock);
    const rsa = await dpopKey('RS256', () => clock);
    const cases: [Promise<string>, string][] = [
      [key.proof('GET', URL_, { typ: 'JWT' }), 'The proof\'s typ must be "dpop+jwt".'],
      [key.proof('GET', URL_, { jwk: other.publicJwk }), "The proof's signature does not verify."],
      [
        key.proof('GET', URL_, { jwk: { ...key.publicJwk, d: 'AAAA' } }),
        "The proof's jwk must be a public key.",
      ],
      [key.proof('GET', URL_, { jwk: rsa.publicJwk }), "The proof's jwk does not fit alg ES256."],
      [key.proof('GET', URL_, { claims: { jti: undefined } }), 'The proof needs a jti.'],
      [key.proof('GET', URL_, { claims: { iat: 'now' } }), 'The proof needs an iat.'],
    ];
    for (const [proof, message] of cases) {
      expect(
        await refusal(checker.check({ proof: await proof, method: 'GET', url: URL_ })),
      ).toEqual({ error: 'invalid_dpop_proof', message });
    }
    // A symmetric (HS256) or unsigned proof.
    const [h, p] = (await key.proof('GET', URL_)).split('.') as [string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    for (const alg of ['HS256', 'none']) {
      const forged = `${Buffer.from(JSON.stringify({ ...header, alg })).toString('base64url')}.${p}.`;
      expect(await refusal(checker.check({ proof: forged, method: 'GET', url: URL_ }))).toEqual({
        error: 'invalid_dpop_proof',
        message: "The proof's alg must be one of ES256, ES384, RS256, PS256, EdDSA.",
      });
    }
  });

  it('R14.7: exactly one well-formed DPoP header', async () => {
    const proof = await key.proof('GET', URL_);
    const cases: [string | string[] | undefined, string][] = [
      [undefined, 'A DPoP proof is required (the DPoP header).'],
      [[proof, proof], 'Send exactly one DPoP header.'],
      ['not a jws', 'The DPoP proof is not a compact JWS.'],
      ['e30.e30', 'The DPoP proof is not a compact JWS.'],
      ['W10.e30.', 'The DPoP proof is not a compact JWS.'],
      ['x'.repeat(9000), 'The DPoP proof is too large.'],
    ];
    for (const [value, message] of cases) {
      expect(await refusal(checker.check({ proof: value, method: 'GET', url: URL_ }))).toEqual({
        error: 'invalid_dpop_proof',
        message,
      });
    }
  });

  it('R14.7: the in-memory replay memory is bounded', async () => {
    let now = T0;
    const replay = memoryReplayCheck(3, () => now);
    for (const jti of ['a', 'b', 'c', 'd']) expect(await replay(jti, now + 60_000)).toBe(true);
    expect(await replay('d', now + 60_000)).toBe(false);
    // 'a' was evicted (oldest first) to stay within 3 entries.
    expect(await replay('a', now + 60_000)).toBe(true);
    now += 61_000;
    expect(await replay('d', now + 60_000)).toBe(true);
  });
});

describe.each(['rfc', 'zoho'] as const)(
  'R14.7: a Fastify API with @tollgate/resource in the %s profile takes DPoP-bound tokens',
  (profile) => {
    let api: FastifyInstance;
    let apiUrl: string;
    let key: DpopKey;
    const token = (): string =>
      `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    const claims = new Map<string, AccessTokenClaims>();
    let bound: string;
    let unbound: string;

    beforeAll(async () => {
      key = await dpopKey('ES256');
      bound = token();
      unbound = token();
      const base = {
        userId: 7,
        clientId: '1000.X',
        scopes: ['SalesIQ.operators.READ'],
        expiresAt: Date.now() + 3_600_000,
      };
      claims.set(bound, { ...base, confirmation: { jkt: key.jkt } });
      claims.set(unbound, base);
      const verifier = createCachedVerifier({
        lookup: async (t) => claims.get(t) ?? null,
        cacheTtlMs: 0,
        cacheMisses: false,
      });
      api = Fastify();
      await api.register(tollgateResource, { verifier, profile });
      api.get(
        '/operators',
        { onRequest: api.requireScope('SalesIQ.operators.READ') },
        async (request) => ({ jkt: request.accessToken?.confirmation?.jkt ?? null }),
      );
      apiUrl = (await api.listen({ port: 0, host: '127.0.0.1' })) + '/operators';
    });
    afterAll(async () => {
      await api.close();
    });

    const get = async (authorization: string, dpop?: string) => {
      const res = await fetch(apiUrl, {
        headers: { authorization, ...(dpop !== undefined ? { dpop } : {}) },
      });
      return {
        status: res.status,
        challenge: res.headers.get('www-authenticate'),
        body: (await res.json()) as Record<string, unknown>,
      };
    };
    const refused = (
      res: Awaited<ReturnType<typeof get>>,
      error: string,
      description: string,
    ): void => {
      if (profile === 'zoho') {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          error: { code: error === 'invalid_dpop_proof' ? 1011 : 1003, message: description },
        });
      } else {
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error, error_description: description });
        expect(res.challenge).toBe(
          `DPoP realm="tollgate", error="${error}", error_description="${description}", algs="ES256 ES384 RS256 PS256 EdDSA"`,
        );
      }
    };

    it('R14.7: a bound token with a proof by its key passes', async () => {
      const res = await get(
        `DPoP ${bound}`,
        await key.proof('GET', apiUrl, { accessToken: bound }),
      );
      expect(res).toMatchObject({ status: 200, body: { jkt: key.jkt } });
    });

    it('R14.7: a bound token sent as Bearer is refused', async () => {
      refused(
        await get(`Bearer ${bound}`),
        'invalid_token',
        'The access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof.',
      );
    });

    it("R14.7: a proof signed with another key than the token's is refused", async () => {
      const other = await dpopKey('ES256');
      refused(
        await get(`DPoP ${bound}`, await other.proof('GET', apiUrl, { accessToken: bound })),
        'invalid_token',
        'Invalid DPoP key binding.',
      );
    });

    it('R14.7: a proof for another method, or replayed, is invalid_dpop_proof', async () => {
      refused(
        await get(`DPoP ${bound}`, await key.proof('POST', apiUrl, { accessToken: bound })),
        'invalid_dpop_proof',
        'The proof is for another HTTP method.',
      );
      const proof = await key.proof('GET', apiUrl, { accessToken: bound });
      expect((await get(`DPoP ${bound}`, proof)).body).toEqual({ jkt: key.jkt });
      refused(
        await get(`DPoP ${bound}`, proof),
        'invalid_dpop_proof',
        'The proof was used before.',
      );
    });

    it('R14.7: an unbound token sent as DPoP is refused; as Bearer it passes', async () => {
      refused(
        await get(`DPoP ${unbound}`, await key.proof('GET', apiUrl, { accessToken: unbound })),
        'invalid_token',
        'The access token is not DPoP-bound; send it as Bearer.',
      );
      expect(await get(`Bearer ${unbound}`)).toMatchObject({ status: 200, body: { jkt: null } });
    });
  },
);

describe('R14.7: the Express-style middleware of @tollgate/resource takes DPoP-bound tokens', () => {
  let server: Server;
  let base: string;
  let key: DpopKey;
  const token = `1000.${'c'.repeat(32)}.${'d'.repeat(32)}`;

  beforeAll(async () => {
    key = await dpopKey('ES256');
    const verifier = createCachedVerifier({
      lookup: async (t) =>
        t === token
          ? {
              userId: 9,
              clientId: '1000.Y',
              scopes: ['SalesIQ.operators.READ'],
              expiresAt: Date.now() + 3_600_000,
              confirmation: { jkt: key.jkt },
            }
          : null,
      cacheTtlMs: 0,
      cacheMisses: false,
    });
    const guard = requireScopeMiddleware({
      verifier,
      scopes: ['SalesIQ.operators.READ'],
      profile: 'rfc',
      publicOrigin: 'https://api.example.com',
    });
    server = createServer((req, res) =>
      guard(req, res, () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jkt: (req as AuthorizedRequest).accessToken?.confirmation?.jkt }));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('R14.7: htu is the public origin the client called (behind a proxy), not the local address', async () => {
    const publicUrl = 'https://api.example.com/operators';
    const ok = await fetch(`${base}/operators`, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await key.proof('GET', publicUrl, { accessToken: token }),
      },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ jkt: key.jkt });
    const local = await fetch(`${base}/operators`, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await key.proof('GET', `${base}/operators`, { accessToken: token }),
      },
    });
    expect(local.status).toBe(401);
    expect(await local.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The proof is for another URL.',
    });
  });
});
