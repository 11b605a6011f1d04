/**
 * SPEC R14.7: the store remembers DPoP proofs (RFC 9449 §11.1) so a `jti` is accepted once
 * across every instance sharing the database, even when two requests race. SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { hash, NOW } from './fixtures.ts';

describe.each(storeKinds)('R14.7 DPoP proofs seen on $name', (kind) => {
  let store: Store;
  beforeEach(async () => {
    store = await kind.open();
  });
  afterEach(() => store.close());

  it('R14.7: a proof is new once, then a replay', async () => {
    const proof = hash();
    expect(await store.recordDpopProof(proof, NOW + 60_000)).toBe(true);
    expect(await store.recordDpopProof(proof, NOW + 60_000)).toBe(false);
    expect(await store.recordDpopProof(hash(), NOW + 60_000)).toBe(true);
  });

  it('R14.7: of 20 concurrent uses of one proof exactly one is new', async () => {
    const proof = hash();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => store.recordDpopProof(proof, NOW + 60_000)),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });
});
