/**
 * Fault: the server process is killed with SIGKILL under mixed load (every grant, user info,
 * revocation) and restarted on the same database. Nothing it acknowledged may be lost: every
 * token it answered 200 with is still valid, every revocation it answered 200 to still holds,
 * and the SQLite file passes `PRAGMA integrity_check` as the crash left it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { Ledger, startLoad, verifyLedger, countByStatus } from './helpers/mixed-load.ts';
import { seedStore } from './helpers/seed.ts';
import { startTollgate, type TollgateProcess } from './helpers/tollgate-process.ts';

/** Opens the file as a restart would (replaying the WAL) and runs the full integrity check. */
function integrityCheck(file: string): string {
  const db = new SqliteDatabase(file);
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? 'no answer';
  } finally {
    db.close();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(storeKinds)('kill -9 under mixed load ($name)', (kind) => {
  it(
    'loses no acknowledged token or revocation after SIGKILL and restart',
    { timeout: 50_000 },
    async () => {
      const { location, cleanup } = await kind.location();
      cleanups.push(cleanup);
      const seed = await seedStore(location, { users: 12, codes: 120 });
      const ledger = new Ledger([...seed.codes]);
      let server: TollgateProcess = await startTollgate({ db: location });
      cleanups.push(async () => void (await server.kill9()));
      let base = server.url;
      const load = startLoad({ base: () => base, seed, ledger, rate: 150 });
      await sleep(3_500);
      const before = countByStatus(load.samples);
      expect(
        Object.keys(before).filter((s) => Number(s) >= 500 || Number(s) <= 0),
        `errors before the kill: ${JSON.stringify(before)}`,
      ).toEqual([]);

      await server.kill9();
      if (kind.name === 'sqlite') expect(integrityCheck(location)).toBe('ok');
      server = await startTollgate({ db: location });
      base = server.url;
      await sleep(1_500);
      await load.stop();

      const ops = new Set(load.samples.filter((s) => s.status === 200).map((s) => s.op));
      const byOp = Object.fromEntries(
        [...new Set(load.samples.map((s) => s.op))].map((op) => [
          op,
          countByStatus(load.samples.filter((s) => s.op === op)),
        ]),
      );
      expect([...ops].sort(), `every kind of request succeeded: ${JSON.stringify(byOp)}`).toEqual([
        'authorization_code',
        'client_credentials',
        'refresh_token',
        'revoke_access',
        'revoke_refresh',
        'userinfo',
      ]);
      const result = await verifyLedger(base, seed, ledger);
      expect(result.lost, 'acknowledged tokens lost').toEqual([]);
      expect(result.resurrected, 'acknowledged revocations undone').toEqual([]);
      expect(result.liveChecked).toBeGreaterThan(50);
      expect(result.revokedChecked).toBeGreaterThan(10);
      await server.terminate();
      if (kind.name === 'sqlite') expect(integrityCheck(location)).toBe('ok');
    },
  );
});
