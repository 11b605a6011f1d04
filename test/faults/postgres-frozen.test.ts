/**
 * Fault (SPEC R15.4, R15.5): PostgreSQL freezes under mixed load (SIGSTOP on a throwaway
 * cluster: connections stay open and nothing answers, as on a hung host). Every request that
 * needs the database is answered 503 with Retry-After within the statement timeout's bound
 * (user info for a token already in the validated-token cache is answered from it), readiness
 * says 503 while liveness stays 200, and when it thaws the same process serves again by itself,
 * with nothing acknowledged lost.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, countByStatus, Ledger, startLoad, verifyLedger } from './helpers/mixed-load.ts';
import { findPgBin, startPgCluster, type PgCluster } from './helpers/pg-cluster.ts';
import { seedStore } from './helpers/seed.ts';
import { startTollgate, type TollgateProcess } from './helpers/tollgate-process.ts';

const pgBin = findPgBin();
if (!pgBin)
  console.warn(
    '\n*** PostgreSQL server binaries not found under /usr/lib/postgresql: the frozen-PostgreSQL fault test is SKIPPED. ***\n',
  );

const STATEMENT_TIMEOUT_MS = 1_000;
/**
 * A request meets at most two timeouts (a statement, then its transaction's rollback, or a wait
 * for a pooled connection and then a statement), plus slack for a busy machine.
 */
const FROZEN_LATENCY_BOUND_MS = 2 * STATEMENT_TIMEOUT_MS + 1_500;

describe.skipIf(!pgBin)('R15.5 PostgreSQL frozen during load', () => {
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
    'R15.5: answers 503 within the statement timeout while frozen and recovers by itself after SIGCONT (R15.4 readiness)',
    { timeout: 60_000 },
    async () => {
      if (!cluster) throw new Error('no cluster');
      const pgCluster = cluster;
      const seed = await seedStore(pgCluster.url, { users: 8, codes: 80 });
      const ledger = new Ledger([...seed.codes]);
      const tollgate = (server = await startTollgate({
        db: pgCluster.url,
        args: ['--db-statement-timeout', String(STATEMENT_TIMEOUT_MS)],
      }));
      const load = startLoad({ base: () => tollgate.url, seed, ledger, rate: 60 });
      await sleep(2_000);
      expect((await call(tollgate.url, 'GET', '/health/ready')).status).toBe(200);

      const frozenAt = Date.now();
      pgCluster.freeze();
      let thawedAt = 0;
      try {
        await sleep(4_000);
        const ready = await call(tollgate.url, 'GET', '/health/ready', { timeoutMs: 3_000 });
        expect(ready.status).toBe(503);
        expect(ready.headers?.get('retry-after')).toMatch(/^\d+$/);
        expect((await call(tollgate.url, 'GET', '/health', { timeoutMs: 3_000 })).status).toBe(200);
      } finally {
        thawedAt = Date.now();
        pgCluster.thaw();
      }

      let recoveredAt = 0;
      while (Date.now() - thawedAt < 20_000) {
        if (
          (await call(tollgate.url, 'GET', '/health/ready', { timeoutMs: 2_000 })).status === 200
        ) {
          recoveredAt = Date.now();
          break;
        }
        await sleep(100);
      }
      expect(recoveredAt, 'not ready within 20 s of the thaw').toBeGreaterThan(0);
      await sleep(2_000);
      await load.stop();

      // Started once the freeze had set in and answered before the thaw: 503 + Retry-After.
      const frozen = load.samples.filter(
        (s) => s.at >= frozenAt + STATEMENT_TIMEOUT_MS && s.at + s.ms < thawedAt,
      );
      // User info with a token validated before the freeze is answered from the validated-token
      // cache (SPEC R15.6: token and user cached together); nothing can be revoked while the
      // database is frozen, so that answer is right. Everything that needs the database: 503.
      const needsDatabase = frozen.filter((s) => !(s.op === 'userinfo' && s.status === 200));
      expect(needsDatabase.length).toBeGreaterThan(20);
      expect(countByStatus(needsDatabase)).toEqual({ 503: needsDatabase.length });
      expect(needsDatabase.filter((s) => s.retryAfter === null)).toEqual([]);
      // No request hung: everything in flight during the freeze was answered within the bound.
      const during = load.samples.filter((s) => s.at >= frozenAt - 500 && s.at < thawedAt);
      expect(Math.max(...during.map((s) => s.ms))).toBeLessThan(FROZEN_LATENCY_BOUND_MS);
      const after = load.samples.filter((s) => s.at >= recoveredAt + 500);
      expect(after.length).toBeGreaterThan(30);
      expect(countByStatus(after)).toEqual({ 200: after.length });

      const result = await verifyLedger(tollgate.url, seed, ledger);
      expect(result.lost, 'acknowledged tokens lost').toEqual([]);
      expect(result.resurrected, 'acknowledged revocations undone').toEqual([]);
      expect(result.liveChecked).toBeGreaterThan(20);
      console.log(
        `R15.5 frozen PostgreSQL: ${frozen.length} requests during the freeze, ${needsDatabase.length} needing the database, all 503; slowest answer ${Math.round(Math.max(...during.map((s) => s.ms)))} ms (statement timeout ${STATEMENT_TIMEOUT_MS} ms); ready again ${recoveredAt - thawedAt} ms after SIGCONT`,
      );
      expect(await tollgate.terminate()).toEqual({ code: 0, signal: null });
      server = undefined;
    },
  );
});
