/**
 * Every cap holds exactly under 50 concurrent calls (issue 2, SPEC R5.6). On PostgreSQL the
 * store's pool has several connections, so these calls really overlap; SQLite serialises them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client, Store, User } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  NOW,
  countAccessRows,
  countOrphans,
  expectIssued,
  issueInput,
  issueRefresh,
  mintInput,
  newCode,
  openWithGrant,
} from './fixtures.ts';

const N = 50;
const times = <T>(n: number, f: (i: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => f(i)));
const tally = (outcomes: string[]): Record<string, number> =>
  outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {});

describe.each(storeKinds)('concurrency on $name', (kind) => {
  let store: Store;
  let user: User;
  let client: Client;
  beforeEach(async () => ({ store, user, client } = await openWithGrant(kind)));
  afterEach(() => store.close());

  it('R4.4: 50 concurrent consumeCode of one code: exactly one consumed, 49 replayed', async () => {
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    const results = await times(N, () => store.consumeCode(code.codeHash, NOW));
    expect(tally(results.map((r) => r.outcome))).toEqual({ consumed: 1, replayed: N - 1 });
  });

  it('R5.2: 50 concurrent issueTokens for one user and client leave exactly 20 live refresh tokens and no orphans', async () => {
    const results = await times(N, (i) =>
      store.issueTokens(issueInput(client.clientId, user.zuid, { now: NOW + i })),
    );
    expect(results.reduce((sum, r) => sum + expectIssued(r).evicted, 0)).toBe(N - 20);
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(20);
    expect(await countOrphans(store)).toBe(0);
    const live = await Promise.all(
      results.map(async (r) =>
        (await countAccessRows(store, expectIssued(r).refreshTokenId ?? -1)) > 0 ? 1 : 0,
      ),
    );
    expect(live.reduce<number>((a, b) => a + b, 0)).toBe(20);
  });

  it('R5.3: 50 concurrent mints on one refresh token leave exactly 20 live access tokens', async () => {
    const t = await issueRefresh(store, client.clientId, user.zuid);
    const results = await times(N, (i) =>
      store.mintAccessToken(mintInput(t.refreshHash, client.clientId, { now: NOW + i })),
    );
    expect(tally(results.map((r) => r.outcome))).toEqual({ minted: N });
    expect(await store.countLiveAccessTokens(t.refreshTokenId, NOW + N)).toBe(20);
    expect(await countAccessRows(store, t.refreshTokenId)).toBe(20);
  });

  it('R5.5: 50 concurrent mints under a throttle of 10 mint exactly 10', async () => {
    const t = await issueRefresh(store, client.clientId, user.zuid);
    const throttle = { limit: 10, windowMs: 600_000 };
    const results = await times(N, () =>
      store.mintAccessToken(mintInput(t.refreshHash, client.clientId, { throttle })),
    );
    expect(tally(results.map((r) => r.outcome))).toEqual({ minted: 10, throttled: N - 10 });
    expect(await store.countLiveAccessTokens(t.refreshTokenId, NOW)).toBe(11);
  });

  it('R5.6: 50 concurrent hitCounter calls count 1 to 50, each exactly once', async () => {
    const results = await times(N, () => store.hitCounter('login:ada', 600_000, NOW));
    expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: N }, (_, i) => i + 1),
    );
    expect(await store.peekCounter('login:ada', NOW)).toEqual({ count: N, resetAt: NOW + 600_000 });
  });

  it('R5.6: releaseCounter takes back one hit each, concurrently, never below zero; the window keeps its end', async () => {
    await times(10, () => store.hitCounter('login:addr:a', 600_000, NOW));
    await times(4, () => store.releaseCounter('login:addr:a', NOW + 1));
    expect(await store.peekCounter('login:addr:a', NOW + 1)).toEqual({
      count: 6,
      resetAt: NOW + 600_000,
    });
    await times(N, () => store.releaseCounter('login:addr:a', NOW + 2));
    expect(await store.peekCounter('login:addr:a', NOW + 2)).toEqual({
      count: 0,
      resetAt: NOW + 600_000,
    });
    expect(await store.hitCounter('login:addr:a', 600_000, NOW + 3)).toEqual({
      count: 1,
      resetAt: NOW + 600_000,
    });
  });

  it('R4.5: 50 concurrent rotations of one public-client token mint exactly once; the rest revoke the family', async () => {
    const t = await issueRefresh(store, client.clientId, user.zuid);
    const results = await times(N, (i) =>
      store.mintAccessToken(mintInput(t.refreshHash, client.clientId, { rotateTo: `gen-2-${i}` })),
    );
    expect(results.filter((r) => r.outcome === 'minted')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'reused-rotated').length).toBeGreaterThanOrEqual(1);
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(0);
    expect(await countOrphans(store)).toBe(0);
  });

  it('R6.3: revoking a refresh token while 50 mints race on it leaves no access token behind', async () => {
    const t = await issueRefresh(store, client.clientId, user.zuid);
    const results = await times<unknown>(N + 1, (i) =>
      i === N / 2
        ? store.revokeToken(t.refreshHash)
        : store.mintAccessToken(mintInput(t.refreshHash, client.clientId)).then((r) => r.outcome),
    );
    expect(results).toContain('refresh');
    expect(await store.findRefreshToken(t.refreshHash)).toBeUndefined();
    expect(await countAccessRows(store, t.refreshTokenId)).toBe(0);
    expect(await countOrphans(store)).toBe(0);
  });

  it("R6.3: revoking a public client's token while its rotations race leaves no live family member", async () => {
    const t = await issueRefresh(store, client.clientId, user.zuid);
    await times<unknown>(N + 1, (i) =>
      i === 1
        ? store.revokeToken(t.refreshHash)
        : store.mintAccessToken(
            mintInput(t.refreshHash, client.clientId, { rotateTo: `gen-2-${i}` }),
          ),
    );
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(0);
    expect(await countOrphans(store)).toBe(0);
  });

  it('R5.2: 50 concurrent issueTokens racing with mints on tokens being evicted leave no orphans', async () => {
    const first = await times(20, (i) =>
      issueRefresh(store, client.clientId, user.zuid, { now: NOW + i }),
    );
    await times<unknown>(N * 2, (i) => {
      const target = first[i % 20];
      return i % 2 === 0 || !target
        ? store.issueTokens(issueInput(client.clientId, user.zuid, { now: NOW + 100 + i }))
        : store.mintAccessToken(mintInput(target.refreshHash, client.clientId));
    });
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(20);
    expect(await countOrphans(store)).toBe(0);
  });

  it('R2: deleting a client while mints and code exchanges race on it leaves nothing behind', async () => {
    const tokens = await times(10, () => issueRefresh(store, client.clientId, user.zuid));
    await times<unknown>(N + 1, (i) => {
      const target = tokens[i % 10];
      if (i === N / 2) return store.deleteClient(client.clientId);
      return i % 2 === 0 || !target
        ? store.issueTokens(issueInput(client.clientId, user.zuid)).catch(() => undefined)
        : store.mintAccessToken(mintInput(target.refreshHash, client.clientId));
    });
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(0);
    expect(await countOrphans(store)).toBe(0);
  });

  it('disabling a user while mints race on their tokens leaves no live token', async () => {
    const tokens = await times(10, () => issueRefresh(store, client.clientId, user.zuid));
    await times<unknown>(N + 1, (i) => {
      const target = tokens[i % 10];
      if (i === N / 2 || !target) return store.setUserDisabled(user.zuid, true);
      return store.mintAccessToken(mintInput(target.refreshHash, client.clientId));
    });
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(0);
    expect(await countOrphans(store)).toBe(0);
  });

  it('R9: removing a connected app while mints race on its tokens leaves no live token', async () => {
    await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW);
    const tokens = await times(10, () => issueRefresh(store, client.clientId, user.zuid));
    await times<unknown>(N + 1, (i) => {
      const target = tokens[i % 10];
      if (i === N / 2 || !target) return store.removeConnectedApp(user.zuid, client.clientId);
      return store.mintAccessToken(mintInput(target.refreshHash, client.clientId));
    });
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(0);
    expect(await countOrphans(store)).toBe(0);
  });

  it('R5.1: 50 concurrent first consents: exactly one reports first, and every scope is kept', async () => {
    const results = await times(N, (i) =>
      store.recordConsent(user.zuid, client.clientId, [`S.r${i}.READ`], NOW),
    );
    expect(results.filter((r) => r.first)).toHaveLength(1);
    expect((await store.findConsent(user.zuid, client.clientId))?.scopes).toHaveLength(N);
  });
});
