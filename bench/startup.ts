/**
 * `npm run bench:startup`: start-up costs a user feels, as medians over repeated runs on this
 * machine (never asserted by a test; SPEC R11.3 and R11.4 state them as ratios and budgets):
 * - `tollgate --help` against a bare `node -e 0`, run alternately so drift hits both;
 * - `startTollgate()` and `stop()` of `tollgate/testing`, in one process, one after the other.
 *
 * Usage: `node --import tsx bench/startup.ts [--runs 10] [--handles 20]`
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type * as TestingEntry from '../src/testing/index.ts';

type TestingModule = typeof TestingEntry;

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10' }, handles: { type: 'string', default: '20' } },
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function timeCommand(args: string[]): number {
  const start = performance.now();
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  return performance.now() - start;
}

const runs = Number(values.runs);
const help: number[] = [];
const bare: number[] = [];
timeCommand(['-e', '0']);
timeCommand([join(ROOT, 'bin/tollgate.js'), '--help']);
for (let i = 0; i < runs; i++) {
  bare.push(timeCommand(['-e', '0']));
  help.push(timeCommand([join(ROOT, 'bin/tollgate.js'), '--help']));
}

// The compiled package, as a user's test suite imports it.
const { startTollgate } = (await import(join(ROOT, 'dist/testing/index.js'))) as TestingModule;
const starts: number[] = [];
const stops: number[] = [];
await (await startTollgate()).stop();
for (let i = 0; i < Number(values.handles); i++) {
  const t0 = performance.now();
  const handle = await startTollgate();
  const t1 = performance.now();
  await handle.stop();
  starts.push(t1 - t0);
  stops.push(performance.now() - t1);
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;
process.stdout.write(
  [
    `tollgate --help: median ${ms(median(help))} over ${runs} runs; node -e 0: ${ms(median(bare))}; ratio ${(median(help) / median(bare)).toFixed(2)} (R11.3: at most 5)`,
    `startTollgate(): median ${ms(median(starts))} (max ${ms(Math.max(...starts))}); stop(): median ${ms(median(stops))} (max ${ms(Math.max(...stops))}) over ${values.handles} handles`,
    '',
  ].join('\n'),
);
