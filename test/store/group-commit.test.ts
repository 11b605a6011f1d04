/**
 * Group commit of the token endpoint's writes (SPEC R16, issue 16): members of one batch run in
 * one transaction, each in its own savepoint, each with its own outcome; caps and throttles stay
 * exact. The writer is driven directly over the store's own executor, counting transactions, so
 * a test knows its members shared one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { grantWriter } from '../../src/store/kysely/group-commit.ts';
import { mintIn } from '../../src/store/kysely/grant-writes.ts';
import type { HotSql } from '../../src/store/kysely/hot-sql.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import type { Client, MintAccessTokenInput, Store, User } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { NOW, hash, issueRefresh, mintInput, openWithGrant } from './fixtures.ts';

/** The store's executor, counting the transactions it opens. */
function countingExecutor(store: Store): { hot: HotSql; transactions: () => number } {
  const { hotSql } = store as KyselyStore;
  let transactions = 0;
  return {
    hot: {
      dialect: hotSql.dialect,
      direct: hotSql.direct,
      transaction: (work) => {
        transactions += 1;
        return hotSql.transaction(work);
      },
    },
    transactions: () => transactions,
  };
}

const tally = (outcomes: string[]): Record<string, number> =>
  outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {});

describe.each(storeKinds)('group commit on $name', (kind) => {
  let store: Store;
  let user: User;
  let client: Client;
  beforeEach(async () => ({ store, user, client } = await openWithGrant(kind)));
  afterEach(() => store.close());

  it('R16: one batch of an unknown token, a throttled one and a fresh one: each gets its own answer, in one transaction, and the minted token is stored', async () => {
    const throttle = { limit: 2, windowMs: 600_000 };
    const spent = await issueRefresh(store, client.clientId, user.zuid);
    for (let i = 0; i < 2; i++) {
      const r = await store.mintAccessToken(
        mintInput(spent.refreshHash, client.clientId, { throttle }),
      );
      expect(r.outcome).toBe('minted');
    }
    const fresh = await issueRefresh(store, client.clientId, user.zuid);
    const { hot, transactions } = countingExecutor(store);
    const writer = grantWriter(hot, { groupCommit: true });
    const inputs: MintAccessTokenInput[] = [
      mintInput(hash(), client.clientId, { throttle }),
      mintInput(spent.refreshHash, client.clientId, { throttle }),
      mintInput(fresh.refreshHash, client.clientId, { throttle }),
    ];
    const results = await Promise.all(
      inputs.map((input) => writer.run((q) => mintIn(q, store.sqlDialect, input))),
    );
    expect(transactions()).toBe(1);
    expect(results.map((r) => r.outcome)).toEqual(['unknown', 'throttled', 'minted']);
    expect(results[1]).toEqual({ outcome: 'throttled', retryAfterMs: 600_000 });
    expect(await store.findAccessToken(inputs[1]!.access.tokenHash)).toBeUndefined();
    expect(await store.findAccessToken(inputs[2]!.access.tokenHash)).toMatchObject({
      clientId: client.clientId,
      zuid: user.zuid,
      refreshTokenId: fresh.refreshTokenId,
    });
    expect(await store.peekCounter(`mint:${fresh.refreshTokenId}`, NOW)).toEqual({
      count: 1,
      resetAt: NOW + 600_000,
    });
  });

  it('R16: a member that fails rolls back only its own work; the others of its batch are minted and stored', async () => {
    const throttle = { limit: 5, windowMs: 600_000 };
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push(await issueRefresh(store, client.clientId, user.zuid));
    const [a, b, c] = tokens as [(typeof tokens)[0], (typeof tokens)[0], (typeof tokens)[0]];
    const { hot, transactions } = countingExecutor(store);
    const writer = grantWriter(hot, { groupCommit: true });
    // The second member's access token collides with an existing one (a unique column): it
    // fails after it counted a hit and touched its refresh token, which must both be undone.
    const inputs = [
      mintInput(a.refreshHash, client.clientId, { throttle, now: NOW + 1 }),
      mintInput(b.refreshHash, client.clientId, {
        throttle,
        now: NOW + 1,
        access: { tokenHash: a.accessHash, expiresAt: NOW + 3_600_000 },
      }),
      mintInput(c.refreshHash, client.clientId, { throttle, now: NOW + 1 }),
    ];
    const results = await Promise.allSettled(
      inputs.map((input) => writer.run((q) => mintIn(q, store.sqlDialect, input))),
    );
    expect(transactions()).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    for (const n of [0, 2]) {
      expect(await store.findAccessToken(inputs[n]!.access.tokenHash)).toBeDefined();
    }
    expect(await store.peekCounter(`mint:${a.refreshTokenId}`, NOW + 1)).toMatchObject({
      count: 1,
    });
    expect(await store.peekCounter(`mint:${b.refreshTokenId}`, NOW + 1)).toEqual({
      count: 0,
      resetAt: NOW + 1,
    });
    expect(await store.peekCounter(`mint:${c.refreshTokenId}`, NOW + 1)).toMatchObject({
      count: 1,
    });
    expect((await store.findRefreshToken(b.refreshHash))?.lastUsedAt).toBeNull();
    expect((await store.findRefreshToken(c.refreshHash))?.lastUsedAt).toBe(NOW + 1);
  });

  it('R5.3, R5.5, R16: 60 concurrent refreshes of two tokens of one grant, batched, stay exact: 25 minted each under a throttle of 25, 20 live access tokens each', async () => {
    const throttle = { limit: 25, windowMs: 600_000 };
    const tokens = [
      await issueRefresh(store, client.clientId, user.zuid),
      await issueRefresh(store, client.clientId, user.zuid),
    ];
    const { hot, transactions } = countingExecutor(store);
    const writer = grantWriter(hot, { groupCommit: true });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const input = mintInput(tokens[i % 2]!.refreshHash, client.clientId, {
          throttle,
          now: NOW + i,
        });
        return writer.run((q) => mintIn(q, store.sqlDialect, input));
      }),
    );
    // 60 members at 32 a batch: two transactions.
    expect(transactions()).toBe(2);
    expect(tally(results.map((r) => r.outcome))).toEqual({ minted: 50, throttled: 10 });
    for (const t of tokens) {
      expect(await store.countLiveAccessTokens(t.refreshTokenId, NOW + 60)).toBe(20);
    }
    expect(results.reduce((sum, r) => sum + (r.outcome === 'minted' ? r.evicted : 0), 0)).toBe(
      // Each token started with one access token; 25 more minted each, 20 kept each.
      2 * (1 + 25 - 20),
    );
  });

  it('R5.3, R16: 50 concurrent refreshes through the store (group commit on by default) leave exactly 20 live access tokens', async () => {
    const t = await issueRefresh(store, client.clientId, user.zuid);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.mintAccessToken(mintInput(t.refreshHash, client.clientId, { now: NOW + i })),
      ),
    );
    expect(tally(results.map((r) => r.outcome))).toEqual({ minted: 50 });
    expect(await store.countLiveAccessTokens(t.refreshTokenId, NOW + 50)).toBe(20);
  });
});
