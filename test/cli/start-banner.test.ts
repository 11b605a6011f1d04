/**
 * Issue 17, point 10: `serve --demo`'s start banner stays readable. It comes after the startup
 * log lines, names where demo-credentials.json is (absolute path), and the requests a person
 * makes while walking through the demo are logged one level down (debug), not under it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, startCli, waitForOutput } from '../client/helpers/cli.ts';

/** Starts `serve --demo`, requests the home page once, and returns everything printed. */
async function demoOutput(dir: string, extra: string[]): Promise<string> {
  const db = join(dir, 'data', 'tollgate.db');
  const child = startCli(['serve', '--demo', '--db', db, '--port', '0', ...extra], {
    TOLLGATE_LOG_LEVEL: '',
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const done = finished(child);
  try {
    const [, url] = await waitForOutput(
      child.stdout,
      /Open (http:\/\/127\.0\.0\.1:\d+)\/ to walk[\s\S]*Kept in:.*\n/,
    );
    expect((await fetch(`${url}/`)).status).toBe(200);
    // A request's log line is written as its response ends: give it time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    child.kill('SIGTERM');
    await done;
  }
  return stdout;
}

describe('issue 17 point 10: the start banner of serve --demo', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-banner-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('comes after the startup logs, says where demo-credentials.json is, and is not followed by request lines', async () => {
    const out = await demoOutput(dir, []);
    const lines = out.split('\n');
    const listening = lines.findIndex((l) => l.includes('"msg":"Server listening at http'));
    const banner = lines.findIndex((l) => l.startsWith('Tollgate is listening on http'));
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(banner).toBeGreaterThan(listening);
    const file = join(dir, 'data', 'demo-credentials.json');
    expect(lines).toContain(`  Kept in:    ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(out).not.toContain('"msg":"request"');
  });

  it('logs those requests at debug level, shown with --log-level debug', async () => {
    const out = await demoOutput(dir, ['--log-level', 'debug']);
    const request = out
      .split('\n')
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(request).toContainEqual(
      expect.objectContaining({ level: 20, method: 'GET', path: '/', status: 200 }),
    );
  });
});
