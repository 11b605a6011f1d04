/** Signing keys in the store (SPEC R13.3), on SQLite and PostgreSQL. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SigningKey, Store } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { hash, NOW } from './fixtures.ts';

/** A key record as the store sees it (the store does not interpret the JWKs). */
async function generateSigningKey(createdAt: number): Promise<SigningKey> {
  const kid = hash().slice(0, 43);
  return {
    kid,
    alg: 'RS256',
    publicJwk: { kty: 'RSA', n: hash(), e: 'AQAB' },
    privateJwk: { kty: 'RSA', n: hash(), e: 'AQAB', d: hash() },
    createdAt,
  };
}

describe.each(storeKinds)('signing keys on $name', (kind) => {
  let store: Store;
  beforeEach(async () => {
    store = await kind.open();
  });
  afterEach(() => store.close());

  it('R13.3: the first key is added only to an empty store; later keys list newest first', async () => {
    const first = await generateSigningKey(NOW);
    expect(await store.addFirstSigningKey(first)).toBe(true);
    expect(await store.addFirstSigningKey(await generateSigningKey(NOW + 1))).toBe(false);
    const second = await generateSigningKey(NOW + 1000);
    await store.addSigningKey(second);
    const keys = await store.listSigningKeys();
    expect(keys.map((k) => k.kid)).toEqual([second.kid, first.kid]);
    expect(keys[1]).toEqual(first);
    expect(keys[0]?.privateJwk.d).toBe(second.privateJwk.d);
    expect(keys[0]?.publicJwk.d).toBeUndefined();
  });

  it('R13.3: two servers starting at once on one database agree on one first key or keep both', async () => {
    const [a, b] = await Promise.all([generateSigningKey(NOW), generateSigningKey(NOW)]);
    const added = await Promise.all([store.addFirstSigningKey(a), store.addFirstSigningKey(b)]);
    const keys = await store.listSigningKeys();
    expect(keys.length).toBe(added.filter(Boolean).length);
    expect(keys.length).toBeGreaterThanOrEqual(1);
  });
});
