/**
 * SPEC R15.1: the janitor deletes what can never be used again (long-expired codes, expired access
 * tokens and sessions, throttle counters whose window ended, DPoP proofs past their window) in bounded batches, leaves everything
 * live alone, and runs on one instance at a time.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CODE_REPLAY_GRACE_MS } from '../../src/store/kysely/janitor.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store, SweptTable } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { hash, HOUR, issueInput, newCode, NOW, openWithGrant } from './fixtures.ts';

async function count(store: Store, table: SweptTable): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(
    (store as KyselyStore).db,
  );
  return Number(rows[0]?.n);
}

describe.each(storeKinds)('R15.1 janitor ($name)', (kind) => {
  it('R15.1: deletes expired codes, tokens, sessions and counters, and nothing live', async () => {
    const { store, user, client } = await openWithGrant(kind);
    try {
      const later = NOW + 2 * HOUR;
      // Codes: one long expired (and consumed), one expired but within the replay grace, one live.
      const old = newCode(client.clientId, user.zuid, { expiresAt: NOW - CODE_REPLAY_GRACE_MS });
      await store.saveCode(old);
      await store.consumeCode(old.codeHash, NOW);
      await store.saveCode(newCode(client.clientId, user.zuid, { expiresAt: later - 1_000 }));
      await store.saveCode(newCode(client.clientId, user.zuid, { expiresAt: later + 60_000 }));
      // Access tokens: issued at NOW (expire at NOW + 1 h) and at `later` (live).
      const dead = issueInput(client.clientId, user.zuid);
      await store.issueTokens(dead);
      const live = issueInput(client.clientId, user.zuid, { now: later });
      await store.issueTokens(live);
      // Sessions and counters, one ended and one current each.
      await store.createSession(hash(), { zuid: user.zuid, createdAt: NOW, expiresAt: NOW + 1 });
      const liveSession = hash();
      await store.createSession(liveSession, {
        zuid: user.zuid,
        createdAt: later,
        expiresAt: later + HOUR,
      });
      await store.hitCounter('login:acct:gone@example.com', 60_000, NOW);
      await store.hitCounter('login:acct:here@example.com', 60_000, later);
      // DPoP proofs seen (R14.7): one past its window, one within it.
      expect(await store.recordDpopProof('proof-ended', later - 1)).toBe(true);
      expect(await store.recordDpopProof('proof-live', later + 60_000)).toBe(true);

      const result = await store.sweepExpired(later);
      expect(result).toEqual({
        outcome: 'swept',
        deleted: {
          auth_codes: 1,
          access_tokens: 1,
          sessions: 1,
          counters: 1,
          device_codes: 0,
          dpop_proofs: 1,
          pushed_requests: 0,
          audit_events: 0,
        },
      });
      // The live proof is still remembered (a replay); the swept one is gone.
      expect(await store.recordDpopProof('proof-live', later + 60_000)).toBe(false);
      expect(await count(store, 'dpop_proofs')).toBe(1);
      // The refresh token of the expired access token stays (refresh tokens do not expire).
      expect(await store.findRefreshToken(dead.refreshHash as string)).toBeDefined();
      expect(await store.findAccessToken(dead.access.tokenHash)).toBeUndefined();
      expect(await store.findAccessToken(live.access.tokenHash)).toBeDefined();
      expect(await store.findSession(liveSession, later)).toBeDefined();
      expect((await store.peekCounter('login:acct:here@example.com', later)).count).toBe(1);
      expect(await count(store, 'auth_codes')).toBe(2);
      expect(await store.sweepExpired(later)).toEqual({
        outcome: 'swept',
        deleted: {
          auth_codes: 0,
          access_tokens: 0,
          sessions: 0,
          counters: 0,
          device_codes: 0,
          dpop_proofs: 0,
          pushed_requests: 0,
          audit_events: 0,
        },
      });
    } finally {
      await store.close();
    }
  });

  it('R15.1: deletes in batches until the backlog is gone', async () => {
    const store = await kind.open();
    try {
      for (let i = 0; i < 25; i++) await store.hitCounter(`login:acct:${i}@x.test`, 1_000, NOW);
      const result = await store.sweepExpired(NOW + 1_000, 7);
      expect(result).toMatchObject({ outcome: 'swept', deleted: { counters: 25 } });
      expect(await count(store, 'counters')).toBe(0);
    } finally {
      await store.close();
    }
  });
});

const postgres = storeKinds.find((k) => k.name === 'postgres');

describe.runIf(postgres)('R15.1 janitor on several instances', () => {
  it('R15.1: while one instance sweeps, another finds the janitor lock taken and skips', async () => {
    const { location, cleanup } = await (postgres as NonNullable<typeof postgres>).location();
    const [a, b] = [await openStore(location), await openStore(location)] as [Store, Store];
    try {
      for (let i = 0; i < 50; i++) await a.hitCounter(`k${i}`, 1_000, NOW);
      // Hold the janitor's lock from a connection of its own, as a sweeping instance does.
      const { db } = a as KyselyStore;
      const outcome = await db.connection().execute(async (conn) => {
        const key = sql`hashtext(current_schema() || ':tollgate_janitor')`;
        await sql`select pg_advisory_lock(${key})`.execute(conn);
        try {
          return await b.sweepExpired(NOW + 1_000);
        } finally {
          await sql`select pg_advisory_unlock(${key})`.execute(conn);
        }
      });
      expect(outcome).toEqual({ outcome: 'busy' });
      expect(await count(a, 'counters')).toBe(50);
      // Two sweeping at once: together they delete each row once.
      const both = await Promise.all([a.sweepExpired(NOW + 1_000), b.sweepExpired(NOW + 1_000)]);
      const total = both.reduce((n, r) => n + (r.outcome === 'swept' ? r.deleted.counters : 0), 0);
      expect(total).toBe(50);
      expect(await count(a, 'counters')).toBe(0);
    } finally {
      await a.close();
      await b.close();
      await cleanup();
    }
  });
});
