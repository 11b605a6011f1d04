/** `tollgate admin-key create`, run as a real process; the key it prints opens the admin API. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import { buildApp } from '../../src/server/app.ts';
import { openStore } from '../../src/store/open-store.ts';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');
const run = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('tollgate admin-key create', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-admin-key-'));
    db = join(dir, 'tollgate.db');
    expect(spawnSync(process.execPath, [BIN, 'init', '--db', db]).status).toBe(0); // admin commands need an existing database
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('R10: --json prints the key once; the admin API accepts it as a Bearer token', async () => {
    const res = run(['admin-key', 'create', '--db', db, '--label', 'deploy script', '--json']);
    expect(res.status).toBe(0);
    const out = JSON.parse(res.stdout) as { id: string; label: string; key: string };
    expect(out.label).toBe('deploy script');
    expect(out.key).toMatch(/^tgadmin_/);

    const store = await openStore(db);
    const app = await buildApp(parseConfig({ logLevel: 'silent', port: 0 }), store);
    try {
      const ok = await app.inject({
        method: 'GET',
        url: '/admin/api/clients',
        headers: { authorization: `Bearer ${out.key}` },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ clients: [] });
      const wrong = await app.inject({
        method: 'GET',
        url: '/admin/api/clients',
        headers: { authorization: `Bearer ${out.key}x` },
      });
      expect(wrong.statusCode).toBe(401);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('R10: an empty --label is bad usage: exit 2 and one line on stderr', () => {
    const res = run(['admin-key', 'create', '--db', db, '--label', ' ']);
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});
