/**
 * SPEC R13.1 on the command line: `user add --dc`, `client add --dc us,eu`, and `serve
 * --data-centres` printing each data centre with its URL (and refusing unknown or repeated
 * names with exit code 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGroup, stopGroup } from '../helpers/processes.ts';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('R13.1 command line', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-dc-'));
    db = join(dir, 'dc.db');
    expect(run(['init', '--db', db]).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('R13.1: user add --dc and client add --dc take data-centre names; unknown ones are usage errors (exit 2)', () => {
    const user = [
      'user',
      'add',
      '--db',
      db,
      '--email',
      'eu@example.com',
      '--password',
      'pw-12345678',
    ];
    expect(run([...user, '--dc', 'mars']).code).toBe(2);
    expect(run([...user, '--dc', 'eu', '--json']).code).toBe(0);
    const app = ['client', 'add', '--db', db, '--name', 'A', '--domain', 'https://a.example'];
    const uri = ['--redirect-uri', 'https://a.example/cb', '--json'];
    const bad = run([...app, ...uri, '--dc', 'us,us']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("data centre 'us' is listed twice");
    expect(run([...app, ...uri, '--dc', 'us,EU']).code).toBe(0);
  });

  it('R13.1: serve --data-centres us,eu prints each data centre with its URL, and serverinfo lists them', async () => {
    const child = spawnGroup(
      process.execPath,
      [BIN, 'serve', '--db', db, '--port', '0', '--log-level', 'warn', '--data-centres', 'us,eu'],
      { env: process.env },
    );
    try {
      const urls = await new Promise<Record<string, string>>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URLs printed: ${out}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const found = Object.fromEntries(
            [...out.matchAll(/data centre (\w+): (http:\/\/\S+)/g)].map((m) => [m[1], m[2]]),
          );
          if (found.us && found.eu) {
            clearTimeout(timer);
            resolve(found as Record<string, string>);
          }
        });
      });
      const info = (await (await fetch(`${urls.eu}/oauth/serverinfo`)).json()) as unknown;
      expect(info).toEqual({ result: 'success', locations: urls });
    } finally {
      expect(await stopGroup(child)).toBe(0);
    }
  });

  it('R13.1: serve --data-centres with an unknown name exits 2 with one clear line', () => {
    const res = run(['serve', '--db', db, '--port', '0', '--data-centres', 'us,xx']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toContain("--data-centres: unknown data centre 'xx'");
  });
});
