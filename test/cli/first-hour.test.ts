/**
 * Issue 17, the first hour with Tollgate: a start that cannot work stops with one line naming
 * the path and the cause; admin commands never invent a database; errors from environment
 * variables name the variable. Run as real processes, as a newcomer would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, startCli, waitForOutput } from '../client/helpers/cli.ts';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');
/** Permissions do not bind root: as root, the unwritable-folder cases run as `nobody`. */
const AS_NOBODY = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

function run(
  args: string[],
  env: Record<string, string> = {},
  as: { uid?: number; gid?: number } = {},
): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TOLLGATE_LOG_LEVEL: 'warn', ...env },
    timeout: 30_000,
    ...as,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const oneLine = (stderr: string): string[] => stderr.trim().split('\n');

describe('issue 17: startup and --db', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-first-hour-'));
    chmodSync(dir, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serve --demo with a data folder it cannot write exits 1 before listening, naming the folder and the cause', () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    const db = join(data, 'tollgate.db');
    // Make the database as an admin would, then hand the folder over read-only.
    expect(run(['init', '--db', db])).toMatchObject({ code: 0, stdout: `Database ready: ${db}\n` });
    chmodSync(db, 0o666);
    chmodSync(data, 0o555);
    const res = run(['serve', '--demo', '--db', db, '--port', '0'], {}, AS_NOBODY);
    expect(res.code).toBe(1);
    expect(res.stdout).not.toMatch(/listening/i);
    expect(oneLine(res.stderr)).toHaveLength(1);
    expect(res.stderr).toContain(`the folder ${data} is not writable (EACCES: permission denied)`);
    expect(existsSync(join(data, 'demo-credentials.json'))).toBe(false);
  });

  it('serve with a new database in a folder it cannot write exits 1 naming the folder', () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    const res = run(['serve', '--db', join(locked, 'new.db'), '--port', '0'], {}, AS_NOBODY);
    expect(res.code).toBe(1);
    expect(oneLine(res.stderr)).toHaveLength(1);
    expect(res.stderr).toContain(`${locked} is not writable (EACCES: permission denied)`);
  });

  it('an admin command with a --db that does not exist fails and creates nothing', () => {
    const typo = join(dir, 'typo.db');
    const res = run(['user', 'list', '--db', typo]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(oneLine(res.stderr)).toEqual([
      `tollgate: no database at ${typo}: check the --db path (or TOLLGATE_DB); \`tollgate init --db ${typo}\` creates a new one`,
    ]);
    expect(existsSync(typo)).toBe(false);
    expect(run(['client', 'list'], { TOLLGATE_DB: typo }).code).toBe(1);
    expect(existsSync(typo)).toBe(false);
    expect(run(['init', '--db', typo]).code).toBe(0);
    expect(run(['user', 'list', '--db', typo])).toMatchObject({ code: 0, stdout: '(no users)\n' });
  });

  it('--db naming a folder, or a file that is not a database, says which path and why', () => {
    const folder = run(['user', 'list', '--db', dir]);
    expect(folder.code).toBe(1);
    expect(oneLine(folder.stderr)).toEqual([
      `tollgate: --db ${dir}: ${dir} is a folder; give the path of a database file inside it (e.g. ${dir}/tollgate.db)`,
    ]);
    const serveFolder = run(['serve', '--db', dir, '--port', '0']);
    expect(serveFolder.code).toBe(1);
    expect(serveFolder.stderr).toContain(`${dir} is a folder`);
    const junk = join(dir, 'notes.txt');
    writeFileSync(junk, 'these are my notes, not a database\n'.repeat(200));
    const notDb = run(['user', 'list', '--db', junk]);
    expect(notDb.code).toBe(1);
    expect(oneLine(notDb.stderr)).toEqual([
      `tollgate: cannot use the database ${junk}: file is not a database`,
    ]);
  });

  it('serve creates a new database (and its folder); admin commands then use it', async () => {
    const db = join(dir, 'fresh', 'nested', 'tollgate.db');
    const child = startCli(['serve', '--db', db, '--port', '0'], { TOLLGATE_LOG_LEVEL: 'warn' });
    const done = finished(child);
    try {
      await waitForOutput(child.stdout, /listening on http/);
    } finally {
      child.kill('SIGTERM');
      await done;
    }
    expect(existsSync(db)).toBe(true);
    expect(run(['user', 'list', '--db', db])).toMatchObject({ code: 0, stdout: '(no users)\n' });
  });
});

describe('issue 17: errors from environment variables name the variable', () => {
  it.each([
    [{ TOLLGATE_PORT: 'abc' }, 'TOLLGATE_PORT: expected a whole number (got "abc")'],
    [{ TOLLGATE_THROTTLE: 'nope' }, 'TOLLGATE_THROTTLE: expected true or false (got "nope")'],
    [{ TOLLGATE_PROFILE: 'soap' }, 'TOLLGATE_PROFILE: expected one of zoho, zoho-legacy, rfc'],
  ])('%j exits 2 naming the variable', (env, message) => {
    const res = run(['serve', '--db', ':memory:'], env);
    expect(res.code).toBe(2);
    expect(oneLine(res.stderr)).toHaveLength(1);
    expect(res.stderr).toContain(`tollgate: ${message}`);
  });

  it('a flag still names the flag, and the port range is checked (exit 2, not a crash)', () => {
    const res = run(['serve', '--db', ':memory:', '--port', '99999'], { TOLLGATE_PORT: '3000' });
    expect(res.code).toBe(2);
    expect(oneLine(res.stderr)).toEqual(['tollgate: --port: must be at most 65535 (got "99999")']);
    const env = run(['serve', '--db', ':memory:'], { TOLLGATE_PORT: '70000' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('TOLLGATE_PORT: must be at most 65535 (got "70000")');
  });
});

describe('issue 17: --version', () => {
  it('--version and -V print the package version and exit 0', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    for (const flag of ['--version', '-V'])
      expect(run([flag])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});

describe('issue 17: public clients get no secret', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-public-'));
    db = join(dir, 'tollgate.db');
    expect(run(['init', '--db', db]).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('client add --type mobile without a redirect URI: no client_secret, the loopback default', () => {
    const args = ['client', 'add', '--db', db, '--name', 'Phone', '--domain', 'https://a.example'];
    const res = run([...args, '--type', 'mobile', '--json']);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['client_id', 'redirect_uris']);
    expect(out.redirect_uris).toEqual(['http://127.0.0.1/callback']);
    const text = run([...args, '--type', 'client', '--redirect-uri', 'https://a.example/cb']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^client_secret none: a client app is public and uses PKCE/m);
    expect(text.stdout).not.toMatch(/[0-9a-f]{42}/);
    const rotate = run([
      'client',
      'rotate-secret',
      '--db',
      db,
      '--client-id',
      String(out.client_id),
    ]);
    expect(rotate.code).toBe(1);
    expect(oneLine(rotate.stderr)).toEqual([
      'tollgate: A public app (client or mobile) has no secret to rotate: it uses PKCE.',
    ]);
    // A confidential app still gets its secret, once.
    const server = JSON.parse(
      run([...args, '--redirect-uri', 'https://a.example/cb', '--json']).stdout,
    ) as Record<string, unknown>;
    expect(server.client_secret).toMatch(/^[0-9a-f]{42}$/);
  });
});
