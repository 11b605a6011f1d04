/**
 * createCachedVerifier with a lookup that answers at once (a cache of its own, as Tollgate's
 * server has; SPEC R16) or as a promise: the same verdicts, always as a promise (a refusal is a
 * rejection, never a synchronous throw), and each caller gets its own copy of the claims.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createCachedVerifier,
  type AccessTokenClaims,
  type TokenLookup,
} from '../../packages/resource/src/index.ts';

const token = () => `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
const live = token();
const expired = token();
const unknown = token();
const claims = new Map<string, AccessTokenClaims>([
  [live, { userId: 7, clientId: '1000.X', scopes: ['A.READ'], expiresAt: Date.now() + 60_000 }],
  [expired, { userId: 7, clientId: '1000.X', scopes: ['A.READ'], expiresAt: Date.now() - 1 }],
]);

const lookups: Record<string, TokenLookup> = {
  'at once': (t) => claims.get(t) ?? null,
  'as a promise': async (t) => claims.get(t) ?? null,
};

/** The verdict: the claims' user, or the refusal's error code and description. */
async function verdict(promise: Promise<AccessTokenClaims>) {
  try {
    return { userId: (await promise).userId };
  } catch (error) {
    const e = error as { error: string; description: string };
    return { error: e.error, description: e.description };
  }
}

describe.each(Object.entries(lookups))(
  'R16: createCachedVerifier, lookup answering %s',
  (_, lookup) => {
    for (const [cacheTtlMs, coalesce] of [
      [0, false],
      [30_000, true],
    ] as const) {
      it(`R16: verdicts as promises (cache ${cacheTtlMs} ms)`, async () => {
        const verifier = createCachedVerifier({ lookup, cacheTtlMs, cacheMisses: false, coalesce });
        const call = (header: string | undefined) => {
          let result: Promise<AccessTokenClaims> | undefined;
          expect(() => (result = verifier.verifyAccessToken(header))).not.toThrow();
          expect(result).toBeInstanceOf(Promise);
          return verdict(result!);
        };
        expect(await call(`Bearer ${live}`)).toEqual({ userId: 7 });
        expect(await call(`Zoho-oauthtoken ${live}`)).toEqual({ userId: 7 });
        expect(await call(`Bearer ${unknown}`)).toEqual({
          error: 'invalid_token',
          description: 'The access token is invalid or revoked.',
        });
        expect(await call(`Bearer ${expired}`)).toEqual({
          error: 'invalid_token',
          description: 'The access token has expired.',
        });
        expect(await call('Bearer not-a-token')).toEqual({
          error: 'invalid_token',
          description: 'The access token is malformed.',
        });
        expect((await call(undefined)).error).toBe('invalid_token');
        expect((await call(`DPoP ${live}`)).error).toBe('invalid_token');
      });
    }

    it('R16: each caller gets its own copy of the claims', async () => {
      const verifier = createCachedVerifier({
        lookup,
        cacheTtlMs: 0,
        cacheMisses: false,
        coalesce: false,
      });
      const first = await verifier.verifyAccessToken(`Bearer ${live}`);
      first.scopes.push('B.WRITE');
      (first as { userId: number }).userId = 8;
      const second = await verifier.verifyAccessToken(`Bearer ${live}`);
      expect(second).toMatchObject({ userId: 7, scopes: ['A.READ'] });
      expect(claims.get(live)?.scopes).toEqual(['A.READ']);
    });
  },
);
