/**
 * Fault: the disk holding the SQLite database fills up under mixed load (a small tmpfs, which
 * needs root; the test is skipped, loudly, where mounting is not permitted). Writes are answered
 * 503 with `Retry-After` (never 500, never a crash), nothing acknowledged is lost, the file passes
 * `PRAGMA integrity_check`, and service recovers by itself once space is freed.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { call, countByStatus, Ledger, startLoad, verifyLedger } from './helpers/mixed-load.ts';
import { SCOPE, seedStore } from './helpers/seed.ts';
import { startTollgate, type TollgateProcess } from './helpers/tollgate-process.ts';
import { fillDisk, mountTmpfs } from './helpers/os-faults.ts';

const mounted = mountTmpfs('16m');
if ('reason' in mounted) {
  console.warn(
    `\n*** Cannot mount a tmpfs (${mounted.reason}; needs root): the SQLite disk-full fault test is SKIPPED. ***\n`,
  );
}

describe.skipIf('reason' in mounted)('SQLite disk full during load', () => {
  const dir = 'dir' in mounted ? mounted.dir : '';
  let server: TollgateProcess | undefined;
  afterAll(async () => {
    await server?.kill9();
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'answers 503 with Retry-After, corrupts nothing and recovers when space returns',
    { timeout: 45_000 },
    async () => {
      const db = join(dir, 'tollgate.db');
      const seed = await seedStore(db, { users: 8, codes: 60 });
      const ledger = new Ledger([...seed.codes]);
      const tollgate = (server = await startTollgate({ db }));
      const load = startLoad({ base: () => tollgate.url, seed, ledger, rate: 100 });
      await sleep(1_500);

      const filler = fillDisk(dir);
      const fullAt = Date.now();
      await sleep(2_500);
      const write = await call(tollgate.url, 'POST', '/oauth/v2/token', {
        form: {
          grant_type: 'client_credentials',
          soid: 'ZohoSalesIQ.600123434',
          scope: SCOPE,
          client_id: seed.self.clientId,
          client_secret: seed.self.clientSecret,
        },
      });
      expect(write.status, tollgate.output().slice(-3000)).toBe(503);
      expect(write.headers?.get('retry-after')).toMatch(/^\d+$/);
      rmSync(filler);
      const freedAt = Date.now();
      await sleep(2_000);
      await load.stop();

      const full = load.samples.filter((s) => s.at >= fullAt && s.at + s.ms < freedAt);
      const byStatus = countByStatus(full);
      expect(Object.keys(byStatus).sort(), JSON.stringify(byStatus)).toEqual(['200', '503']);
      expect(full.filter((s) => s.status === 503 && s.retryAfter === null)).toEqual([]);
      expect(
        full.filter((s) => s.status === 503 && s.op === 'userinfo'),
        'reads are served while the disk is full',
      ).toEqual([]);
      const after = load.samples.filter((s) => s.at >= freedAt + 200);
      expect(countByStatus(after)).toEqual({ 200: after.length });

      const result = await verifyLedger(tollgate.url, seed, ledger);
      expect(result.lost, 'acknowledged tokens lost').toEqual([]);
      expect(result.resurrected, 'acknowledged revocations undone').toEqual([]);
      expect(await tollgate.terminate()).toEqual({ code: 0, signal: null });
      server = undefined;
      const check = new SqliteDatabase(db);
      try {
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        check.close();
      }
    },
  );
});
