/**
 * Issue 18: `npm test` left `tollgate serve --demo` processes running. The global teardown
 * (test/global-setup.ts) now fails a run whose tests leave a process behind; this runs vitest on
 * a fixture that does exactly that and checks the run fails, names the process, and kills it.
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnGroup, stopGroup } from './helpers/processes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

it('a test run whose tests leave a process running fails, naming the process, and kills it (and only it)', async () => {
  // A process of this (outer) run: the inner run must not take it for one of its own.
  const ours = spawnGroup('sleep', ['120'], { stdin: 'ignore' });
  const run = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/leak/vitest.config.ts'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  const output = `${run.stdout}${run.stderr}`;
  expect(output).toContain('1 passed');
  expect(run.status, output).toBe(1);
  const leftover = /outlived them \(now killed\):\n\s+(\d+) sleep 300/.exec(output);
  expect(leftover, output).not.toBeNull();
  const pid = Number(leftover?.[1]);
  // Gone, or a zombie waiting for init to reap it: either way no longer running.
  let state = 'gone';
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? 'gone';
  } catch {
    // No such process.
  }
  expect(['gone', 'Z', 'X']).toContain(state);
  expect(ours.exitCode).toBeNull();
  expect(() => process.kill(ours.pid ?? 0, 0)).not.toThrow();
  await stopGroup(ours);
});
