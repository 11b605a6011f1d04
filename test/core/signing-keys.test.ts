/** Which key signs and which keys are published, around a rotation (SPEC R13.3). */
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  KeyRing,
  selectPublishedKeys,
  selectSigningKey,
} from '../../src/core/signing-keys.ts';
import type { SigningKey, SigningKeyStore } from '../../src/store/types.ts';

const REFRESH = 10_000;
const LIFETIME = 3_600_000;
const T0 = 1_700_000_000_000;

/** A key record for the selection rules, which read only kid and createdAt. */
function fakeKey(kid: string, createdAt: number): SigningKey {
  return { kid, alg: 'RS256', publicJwk: {}, privateJwk: {}, createdAt };
}

function memoryKeys(): SigningKeyStore & { keys: SigningKey[] } {
  const keys: SigningKey[] = [];
  const sorted = () => [...keys].sort((a, b) => b.createdAt - a.createdAt);
  return {
    keys,
    async addSigningKey(key) {
      keys.push(key);
    },
    async addFirstSigningKey(key) {
      if (keys.length > 0) return false;
      keys.push(key);
      return true;
    },
    async listSigningKeys() {
      return sorted();
    },
  };
}

describe('signing key selection', () => {
  it('R13.3: a single new key signs at once; a rotated-in key signs only after the refresh time', async () => {
    const old = fakeKey('old', T0);
    expect(selectSigningKey([old], T0, REFRESH)).toBe(old);
    const rotated = fakeKey('rotated', T0 + 60_000);
    const keys = [rotated, old];
    expect(selectSigningKey(keys, T0 + 60_000, REFRESH)).toBe(old);
    expect(selectSigningKey(keys, T0 + 60_000 + REFRESH - 1, REFRESH)).toBe(old);
    expect(selectSigningKey(keys, T0 + 60_000 + REFRESH, REFRESH)).toBe(rotated);
  });

  it('R13.3: the old key stays published until the tokens it signed have expired, the new one from the start', async () => {
    const old = fakeKey('old', T0);
    const rotated = fakeKey('rotated', T0 + 60_000);
    const keys = [rotated, old];
    const kids = (now: number) =>
      selectPublishedKeys(keys, now, REFRESH, LIFETIME).map((k) => k.kid);
    expect(kids(T0 + 60_000)).toEqual([rotated.kid, old.kid]);
    const lastSignedByOld = T0 + 60_000 + REFRESH;
    expect(kids(lastSignedByOld + LIFETIME - 1)).toEqual([rotated.kid, old.kid]);
    expect(kids(lastSignedByOld + LIFETIME)).toEqual([rotated.kid]);
  });

  it('R13.3: a key ring signs tokens its JWK Set verifies, before and after a rotation', async () => {
    const store = memoryKeys();
    let now = T0;
    const ring = new KeyRing({
      store,
      now: () => now,
      tokenLifetimeMs: LIFETIME,
      refreshMs: REFRESH,
    });
    const first = await ring.sign({
      iss: 'https://issuer.example',
      aud: 'app',
      exp: T0 / 1000 + 3600,
    });
    expect(store.keys).toHaveLength(1);
    const firstKid = store.keys[0]?.kid;
    now += 1000;
    await store.addSigningKey(await generateSigningKey(now));
    now += REFRESH;
    const second = await ring.sign({
      iss: 'https://issuer.example',
      aud: 'app',
      exp: now / 1000 + 3600,
    });
    const header = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()) as { kid: string };
    expect(header(first).kid).toBe(firstKid);
    expect(header(second).kid).not.toBe(firstKid);
    for (const jwt of [first, second]) {
      const { payload } = await ring.verify(jwt, {
        issuer: 'https://issuer.example',
        audience: 'app',
      });
      expect(payload.aud).toBe('app');
    }
    await expect(ring.verify(first, { issuer: 'https://other.example' })).rejects.toThrow();
  });
});
