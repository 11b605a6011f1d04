/**
 * SPEC R15.3 from the command line: `tollgate audit --since 1h --json` lists recent audit events
 * newest first; without --json, a plain table; a bad --since is a usage error (exit 2).
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

describe('R15.3 tollgate audit', () => {
  let dir: string;
  let db: string;
  const now = Date.now();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-audit-'));
    db = join(dir, 'tollgate.db');
    const store = await openStore(db);
    const base = { zuid: 42, ip: '192.0.2.7', clientId: null } as const;
    await store.recordAuditEvent({
      ...base,
      at: now - 2 * 3600_000,
      type: 'sign_in',
      outcome: 'success',
      actor: 'user:42',
      detail: {},
    });
    await store.recordAuditEvent({
      ...base,
      at: now - 60_000,
      type: 'sign_in',
      outcome: 'failure',
      actor: 'user:42',
      detail: { reason: 'wrong_password' },
    });
    await store.recordAuditEvent({
      ...base,
      at: now - 30_000,
      type: 'consent',
      outcome: 'success',
      actor: 'user:42',
      clientId: '1000.ABC',
      detail: { decision: 'accept', scopes: 'AaaServer.profile.READ' },
    });
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('R15.3: audit --since 1h --json lists the last hour newest first', () => {
    const res = run(['audit', '--since', '1h', '--json', '--db', db]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const events = JSON.parse(res.stdout) as Record<string, unknown>[];
    expect(events.map((e) => [e.type, e.outcome, e.zuid, e.client_id, e.detail])).toEqual([
      [
        'consent',
        'success',
        42,
        '1000.ABC',
        { decision: 'accept', scopes: 'AaaServer.profile.READ' },
      ],
      ['sign_in', 'failure', 42, null, { reason: 'wrong_password' }],
    ]);
    expect(events[0]?.at).toBe(new Date(now - 30_000).toISOString());
  });

  it('R15.3: audit prints a plain table, filtered by --type', () => {
    const res = run(['audit', '--since', '1d', '--type', 'sign_in', '--db', db]);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^at\s+type\s+outcome\s+zuid\s+client_id\s+actor\s+ip\s+detail$/);
    expect(lines[1]).toContain('sign_in');
    expect(lines[1]).toContain('failure');
    expect(lines[1]).toContain('reason=wrong_password');
    expect(lines[2]).toContain(new Date(now - 2 * 3600_000).toISOString());
  });

  it('R15.3: client add, rotate-secret and delete on the command line are recorded with actor cli', () => {
    const add = run([
      'client',
      'add',
      '--db',
      db,
      '--name',
      'From CLI',
      '--domain',
      'https://cli.example.com',
      '--redirect-uri',
      'https://cli.example.com/cb',
      '--json',
    ]);
    expect(add.code).toBe(0);
    const id = (JSON.parse(add.stdout) as { client_id: string }).client_id;
    expect(run(['client', 'rotate-secret', '--db', db, '--client-id', id]).code).toBe(0);
    expect(run(['client', 'delete', '--db', db, '--client-id', id]).code).toBe(0);
    const res = run([
      'audit',
      '--since',
      '1h',
      '--type',
      'client_created,client_rotated,client_deleted',
      '--json',
      '--db',
      db,
    ]);
    expect(res.code).toBe(0);
    const events = JSON.parse(res.stdout) as Record<string, unknown>[];
    expect(events.map((e) => [e.type, e.client_id, e.actor, e.outcome])).toEqual([
      ['client_deleted', id, 'cli', 'success'],
      ['client_rotated', id, 'cli', 'success'],
      ['client_created', id, 'cli', 'success'],
    ]);
  });

  it('R15.3: a bad --since is a usage error (exit 2) naming the flag', () => {
    const res = run(['audit', '--since', 'yesterday', '--db', db]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--since');
    expect(res.stdout).toBe('');
  });
});
