/**
 * Fault: PostgreSQL stops (crash-like, `pg_ctl stop -m immediate`) under mixed load, on a
 * throwaway cluster this test starts itself. While it is down, requests are answered promptly
 * with 503 and `Retry-After` (never left hanging, never a crash); when it comes back, the same
 * server process serves again by itself, and nothing acknowledged before the crash is lost.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openStore } from '../../src/store/open-store.ts';
import { isKyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, countByStatus, Ledger, startLoad, verifyLedger } from './helpers/mixed-load.ts';
import { findPgBin, startPgCluster, type PgCluster } from './helpers/pg-cluster.ts';
import { seedStore } from './helpers/seed.ts';
import { startTollgate, type TollgateProcess } from './helpers/tollgate-process.ts';

const pgBin = findPgBin();
if (!pgBin)
  console.warn(
    '\n*** PostgreSQL server binaries not found under /usr/lib/postgresql: the PostgreSQL fault test is SKIPPED. ***\n',
  );

/** How long a request may take while the database is down: the pool's 5 s connect timeout, plus slack. */
const OUTAGE_LATENCY_BOUND_MS = 7_000;

describe.skipIf(!pgBin)('PostgreSQL stopped during load', () => {
  let cluster: PgCluster | undefined;
  let server: TollgateProcess | undefined;
  beforeAll(async () => {
    cluster = await startPgCluster();
  });
  afterAll(async () => {
    await server?.kill9();
    cluster?.destroy();
  });

  it(
    'answers 503 with Retry-After promptly while it is down and recovers by itself',
    { timeout: 55_000 },
    async () => {
      if (!cluster) throw new Error('no cluster');
      const pgCluster = cluster;
      const seed = await seedStore(pgCluster.url, { users: 8, codes: 80 });
      const ledger = new Ledger([...seed.codes]);
      const tollgate = (server = await startTollgate({ db: pgCluster.url }));
      const load = startLoad({ base: () => tollgate.url, seed, ledger, rate: 100 });
      await sleep(2_000);

      const downAt = Date.now();
      pgCluster.stop('immediate');
      await sleep(3_000);
      const health = await call(tollgate.url, 'GET', '/health/ready');
      expect(health.status).toBe(503);
      expect(health.headers?.get('retry-after')).toMatch(/^\d+$/);
      const upAt = Date.now();
      pgCluster.start();

      let recoveredAt = 0;
      while (Date.now() - upAt < 20_000) {
        if (
          (await call(tollgate.url, 'GET', '/health/ready', { timeoutMs: 2_000 })).status === 200
        ) {
          recoveredAt = Date.now();
          break;
        }
        await sleep(100);
      }
      expect(
        recoveredAt,
        'the server did not recover within 20 s of PostgreSQL coming back',
      ).toBeGreaterThan(0);
      await sleep(2_000);
      await load.stop();

      // Started after the crash and answered before it came back: 503 + Retry-After, promptly.
      const outage = load.samples.filter((s) => s.at >= downAt + 200 && s.at + s.ms < upAt);
      expect(outage.length).toBeGreaterThan(50);
      expect(countByStatus(outage)).toEqual({ 503: outage.length });
      expect(outage.filter((s) => s.retryAfter === null)).toEqual([]);
      // Nothing in flight across the crash hung: the slowest answer is bounded.
      const during = load.samples.filter((s) => s.at >= downAt - 1_000 && s.at < upAt);
      expect(Math.max(...during.map((s) => s.ms))).toBeLessThan(OUTAGE_LATENCY_BOUND_MS);
      // After recovery: served normally.
      const after = load.samples.filter((s) => s.at >= recoveredAt + 500);
      expect(after.length).toBeGreaterThan(50);
      expect(countByStatus(after)).toEqual({ 200: after.length });

      const result = await verifyLedger(tollgate.url, seed, ledger);
      expect(result.lost, 'acknowledged tokens lost').toEqual([]);
      expect(result.resurrected, 'acknowledged revocations undone').toEqual([]);
      expect(result.liveChecked).toBeGreaterThan(30);
      expect(await tollgate.terminate()).toEqual({ code: 0, signal: null });
      server = undefined;
    },
  );

  it(
    'survives the database going away in the middle of a transaction (regression: unhandled pg error crashed the process)',
    { timeout: 30_000 },
    async () => {
      if (!cluster) throw new Error('no cluster');
      const store = await openStore(cluster.url);
      try {
        if (!isKyselyStore(store)) throw new Error('expected the Kysely store');
        let crashed: unknown;
        const onUncaught = (error: unknown): void => void (crashed = error);
        process.prependListener('uncaughtException', onUncaught);
        try {
          const transaction = store.db.transaction().execute(async (trx) => {
            await sql`select 1`.execute(trx);
            cluster!.stop('immediate');
            await sleep(500);
            await sql`select 1`.execute(trx);
          });
          await expect(transaction).rejects.toThrow();
          await sleep(200);
        } finally {
          process.off('uncaughtException', onUncaught);
        }
        expect(crashed).toBeUndefined();
        cluster.start();
        await expect(store.ping()).resolves.toBeUndefined();
      } finally {
        await store.close();
      }
    },
  );
});
