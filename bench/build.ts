/**
 * The benchmark measures the server users run: compiled JavaScript started by plain `node`, with
 * no TypeScript loader in the process (tsx's loader alone adds tens of megabytes of resident
 * memory and start-up work). Before a run this brings dist/ up to date (`tsc -b`, incremental:
 * a no-op when nothing changed) and compiles the Fastify baseline the same way, so both sides of
 * every ratio are compiled code in the same kind of process.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
/** Where bench/tsconfig.baseline.json writes the compiled baseline (ignored by git with node_modules). */
const BASELINE_OUT = join(ROOT, 'node_modules/.cache/tollgate-bench');

export interface BuiltServers {
  /** The command users run: bin/tollgate.js, which imports dist/cli/main.js. */
  tollgate: string;
  /** The baseline compiled to JavaScript. */
  baseline: string;
}

/** Builds dist/ and the baseline with the project's TypeScript; throws when either fails. */
export function buildServers(): BuiltServers {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = (args: string[]): void => {
    execFileSync(process.execPath, [tsc, ...args], { cwd: ROOT, stdio: 'inherit' });
  };
  run(['-b', 'tsconfig.build.json']);
  run(['-p', 'bench/tsconfig.baseline.json']);
  return {
    tollgate: join(ROOT, 'bin/tollgate.js'),
    baseline: join(BASELINE_OUT, 'bench/baseline-server.js'),
  };
}
