/**
 * The saved-token option is `--token-profile` (named apart from the server's wire `--profile`);
 * `--profile` still works on the client commands for one release, with a warning.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');
const dir = mkdtempSync(join(tmpdir(), 'tollgate-token-profile-'));
const tokenFile = join(dir, 'tokens.json');
const run = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args, '--token-file', tokenFile], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, TOLLGATE_TOKEN_PROFILE: '' },
  });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tollgate token, whoami and login: --token-profile', () => {
  it.each(['token', 'whoami'])(
    '%s --token-profile names the entry, without a warning',
    (command) => {
      const res = run([command, '--token-profile', 'work']);
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(`No profile work in ${tokenFile}`);
      expect(res.stderr).not.toContain('deprecated');
    },
  );

  it.each(['token', 'whoami'])(
    '%s --profile still works for one release and says it is deprecated',
    (command) => {
      const res = run([command, '--profile', 'work']);
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(`No profile work in ${tokenFile}`);
      expect(res.stderr).toContain('--profile is deprecated for saved tokens; use --token-profile');
    },
  );

  it('login --profile is accepted as the deprecated alias too', () => {
    const res = run([
      'login',
      '--profile',
      'work',
      '--client-id',
      '1000.X',
      '--scope',
      'AaaServer.profile.READ',
      '--accounts-url',
      'http://127.0.0.1:9',
      '--timeout',
      'nope',
    ]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('--profile is deprecated for saved tokens; use --token-profile');
    expect(res.stderr).toContain('--timeout must be a positive number of seconds');
  });

  it('--help shows --token-profile and hides the deprecated spelling', () => {
    const res = spawnSync(process.execPath, [BIN, 'token', '--help'], { encoding: 'utf8' });
    expect(res.stdout).toContain('--token-profile <name>');
    expect(res.stdout).not.toContain('--profile <name>');
  });
});
