/** `tollgate registration-token create`, run as a real process (SPEC R14.3). */
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

describe('tollgate registration-token create', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-registration-token-'));
    db = join(dir, 'tollgate.db');
    expect(spawnSync(process.execPath, [BIN, 'init', '--db', db]).status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('R14.3: --json prints the initial access token once; POST /oauth/v2/register accepts it with --registration token', async () => {
    const res = run([
      'registration-token',
      'create',
      '--db',
      db,
      '--label',
      'MCP clients',
      '--json',
    ]);
    expect(res.status).toBe(0);
    const out = JSON.parse(res.stdout) as {
      label: string;
      token: string;
      expires_at: number | null;
    };
    expect(out.label).toBe('MCP clients');
    expect(out.token).toMatch(/^tginit_[A-Za-z0-9_-]{43}$/);
    expect(out.expires_at).toBeNull();

    const store = await openStore(db);
    const app = await buildApp(
      parseConfig({ logLevel: 'silent', port: 0, registration: 'token' }),
      store,
    );
    try {
      const body = { redirect_uris: ['https://app.example.com/cb'] };
      const ok = await app.inject({
        method: 'POST',
        url: '/oauth/v2/register',
        headers: { authorization: `Bearer ${out.token}`, 'content-type': 'application/json' },
        payload: body,
      });
      expect(ok.statusCode).toBe(201);
      expect(ok.json<{ client_name: string }>().client_name).toBe('app.example.com');
      const wrong = await app.inject({
        method: 'POST',
        url: '/oauth/v2/register',
        headers: { authorization: `Bearer ${out.token}x`, 'content-type': 'application/json' },
        payload: body,
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json<{ error: string }>().error).toBe('invalid_token');
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('R14.3: --expires-in must be a whole number of seconds: exit 2 and one line on stderr', () => {
    const res = run(['registration-token', 'create', '--db', db, '--expires-in', 'soon']);
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    const timed = run(['registration-token', 'create', '--db', db, '--expires-in', '60', '--json']);
    expect(timed.status).toBe(0);
    const out = JSON.parse(timed.stdout) as { expires_at: number };
    expect(typeof out.expires_at).toBe('number');
  });
});
