/**
 * SPEC R15.1 from the command line: `tollgate janitor --once` sweeps once and says what it
 * deleted; `serve --janitor-interval 0` is refused at start-up naming the flag (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.ts';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('R15.1 tollgate janitor', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-janitor-'));
    db = join(dir, 'tollgate.db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('R15.1: janitor --once --json deletes the ended throttle counters and prints the counts', async () => {
    const store = await openStore(db);
    const past = Date.now() - 10_000;
    for (let i = 0; i < 3; i++) await store.hitCounter(`login:acct:${i}@x.test`, 1_000, past);
    await store.hitCounter('login:acct:live@x.test', 600_000, Date.now());
    await store.close();

    const res = run(['janitor', '--once', '--json', '--db', db]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      outcome: 'swept',
      deleted: {
        auth_codes: 0,
        access_tokens: 0,
        sessions: 0,
        counters: 3,
        device_codes: 0,
        dpop_proofs: 0,
        pushed_requests: 0,
        audit_events: 0,
      },
    });
    const text = run(['janitor', '--once', '--db', db]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      'Deleted:\n  auth_codes: 0\n  access_tokens: 0\n  sessions: 0\n  counters: 0\n  device_codes: 0\n  dpop_proofs: 0\n  pushed_requests: 0\n  audit_events: 0\n',
    );
  });

  it('R15.1: janitor without --once is a usage error (exit 2)', () => {
    const res = run(['janitor', '--db', db]);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('tollgate: janitor: pass --once (a running server sweeps by itself)\n');
  });

  it('R15.1: serve --janitor-interval 0 exits 2 naming the flag', () => {
    const res = run(['serve', '--db', db, '--port', '0', '--janitor-interval', '0']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('tollgate: --janitor-interval: must be at least 1 (got "0")\n');
  });
});
