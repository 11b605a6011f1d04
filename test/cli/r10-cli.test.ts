/**
 * SPEC R10: the command line, run as a real process, as a person or script would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGroup, stopGroup } from '../helpers/processes.ts';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');

function run(
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('R10 command line', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
    db = join(dir, 'cli.db');
    expect(spawnSync(process.execPath, [BIN, 'init', '--db', db]).status).toBe(0); // admin commands need an existing database
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('R10: user add --json prints {"zuid","email"} and exits 0', () => {
    const res = run([
      'user',
      'add',
      '--db',
      db,
      '--email',
      'ada@example.com',
      '--password',
      'longenough',
      '--first-name',
      'Ada',
      '--json',
    ]);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { zuid: number; email: string };
    expect(out.email).toBe('ada@example.com');
    expect(Number.isInteger(out.zuid)).toBe(true);
  });

  it('R10: a taken email exits 1 with one clear line on stderr', () => {
    const res = run([
      'user',
      'add',
      '--db',
      db,
      '--email',
      'ada@example.com',
      '--password',
      'longenough',
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/already exists/);
  });

  it('R10: bad usage exits 2: unknown flag, missing value, malformed value', () => {
    expect(
      run([
        'user',
        'add',
        '--db',
        db,
        '--email',
        'b@example.com',
        '--password',
        'longenough',
        '--bogus',
      ]).code,
    ).toBe(2);
    expect(run(['user', 'add', '--db', db, '--email']).code).toBe(2);
    expect(
      run(['user', 'add', '--db', db, '--email', 'not-an-email', '--password', 'longenough']).code,
    ).toBe(2);
    expect(
      run([
        'client',
        'add',
        '--db',
        db,
        '--name',
        'X',
        '--domain',
        'https://x.com',
        '--redirect-uri',
        'javascript:alert(1)',
      ]).code,
    ).toBe(2);
    expect(run(['serve', '--port', 'eighty']).code).toBe(2);
    expect(run(['nonsense']).code).toBe(2);
  });

  it('R10: client add --json prints {"client_id","client_secret"}; list, rotate-secret and delete work', () => {
    const add = run([
      'client',
      'add',
      '--db',
      db,
      '--name',
      'Zylker',
      '--domain',
      'https://zylker.com',
      '--redirect-uri',
      'https://zylker.com/cb',
      '--redirect-uri',
      'https://zylker.com/cb2',
      '--owner',
      'ada@example.com',
      '--json',
    ]);
    expect(add.code).toBe(0);
    const created = JSON.parse(add.stdout) as { client_id: string; client_secret: string };
    expect(created.client_id).toMatch(/^1000\.[A-Z0-9]{30}$/);
    expect(created.client_secret).toMatch(/^[0-9a-f]{42}$/);
    const list = JSON.parse(run(['client', 'list', '--db', db, '--json']).stdout) as {
      client_id: string;
      redirect_uris: string[];
    }[];
    expect(list.find((c) => c.client_id === created.client_id)?.redirect_uris).toEqual([
      'https://zylker.com/cb',
      'https://zylker.com/cb2',
    ]);
    const rotated = JSON.parse(
      run(['client', 'rotate-secret', '--db', db, '--client-id', created.client_id, '--json'])
        .stdout,
    ) as { client_secret: string };
    expect(rotated.client_secret).not.toBe(created.client_secret);
    expect(run(['client', 'delete', '--db', db, '--client-id', created.client_id]).code).toBe(0);
    expect(run(['client', 'delete', '--db', db, '--client-id', created.client_id]).code).toBe(1);
  });

  it('R10, R15.3: user list and user disable (a token_revoked audit event)', () => {
    const users = JSON.parse(run(['user', 'list', '--db', db, '--json']).stdout) as {
      email: string;
    }[];
    expect(users.map((u) => u.email)).toContain('ada@example.com');
    expect(run(['user', 'disable', '--db', db, '--email', 'ada@example.com']).code).toBe(0);
    const after = JSON.parse(run(['user', 'list', '--db', db, '--json']).stdout) as {
      email: string;
      disabled: boolean;
    }[];
    expect(after.find((u) => u.email === 'ada@example.com')?.disabled).toBe(true);
    // R15.3: ending the person's tokens is a revocation, audited with the CLI as the actor.
    const zuid = (after as { email: string; zuid?: number }[]).find(
      (u) => u.email === 'ada@example.com',
    )?.zuid;
    const events = JSON.parse(
      run(['audit', '--since', '1h', '--type', 'token_revoked', '--json', '--db', db]).stdout,
    ) as Record<string, unknown>[];
    expect(events.map((e) => [e.type, e.zuid, e.actor, e.detail])).toEqual([
      ['token_revoked', zuid, 'cli', { reason: 'user_disabled' }],
    ]);
  });

  it('R10: every flag also works as an environment variable (TOLLGATE_DB)', () => {
    const res = run(['user', 'list', '--json'], { TOLLGATE_DB: db });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('ada@example.com');
  });

  it('R10: serve prints the URL it listens on, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawnGroup(
      process.execPath,
      [BIN, 'serve', '--db', join(dir, 'serve.db'), '--port', '0', '--log-level', 'warn'],
      {
        env: { ...process.env, TOLLGATE_PROFILE: 'rfc' },
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const meta = (await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json()) as {
      issuer: string;
      code_challenge_methods_supported: string[];
    };
    expect(meta.issuer).toBe(url);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(await stopGroup(child)).toBe(0);
  });

  it("R14.8: client add --access-token-format jwt stores the app's own format; a bad value exits 2", async () => {
    const res = run([
      'client',
      'add',
      '--db',
      db,
      '--name',
      'JWT app',
      '--domain',
      'https://jwt.example.com',
      '--redirect-uri',
      'https://jwt.example.com/cb',
      '--access-token-format',
      'jwt',
      '--json',
    ]);
    expect(res.code).toBe(0);
    const { client_id: clientId } = JSON.parse(res.stdout) as { client_id: string };
    const { openStore } = await import('../../src/store/open-store.ts');
    const store = await openStore(db);
    try {
      expect((await store.findClient(clientId))?.accessTokenFormat).toBe('jwt');
    } finally {
      await store.close();
    }
    const bad = run([
      'client',
      'add',
      '--db',
      db,
      '--name',
      'Bad',
      '--domain',
      'https://bad.example.com',
      '--access-token-format',
      'paseto',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--access-token-format: expected opaque or jwt');
  });
});

describe("client commands and the server's environment", () => {
  it("TOLLGATE_PROFILE (the server's wire profile) does not pick the token profile; TOLLGATE_TOKEN_PROFILE does", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tollgate-tokens-')), 'tokens.json');
    const wire = run(['token', '--token-file', file], { TOLLGATE_PROFILE: 'rfc' });
    expect(wire.code).toBe(1);
    expect(wire.stderr).toMatch(/No profile default/);
    const named = run(['token', '--token-file', file], { TOLLGATE_TOKEN_PROFILE: 'work' });
    expect(named.stderr).toMatch(/No profile work/);
  });
});
