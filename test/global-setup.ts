/**
 * Builds dist/ once before the tests (incremental: about a second when nothing changed), so the
 * tests that start `bin/tollgate.js` or import `tollgate/testing` by name run the current code.
 *
 * It also marks the run: every process the tests start inherits TOLLGATE_TEST_RUN=<id>. When
 * the run ends, any marked process still alive (a server a test forgot to stop) is killed and
 * the run fails, naming it (issue 18: `npm test` left `tollgate serve --demo` running).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_RUN_MARK } from './helpers/processes.ts';

interface Leftover {
  pid: number;
  command: string;
}

/** Processes other than this one and its direct children (vitest's workers) that carry `mark`. */
function marked(mark: string): Leftover[] {
  const found: Leftover[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!environ.split('\0').includes(mark)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) === process.pid) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid, command });
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found;
}

export default function setup(): () => Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-b', 'tsconfig.build.json'],
    { cwd: root, stdio: 'inherit' },
  );
  // Each vitest project runs this setup in this process: they share one mark. A mark inherited
  // from another process (a test that runs vitest itself) is not ours: make a new one.
  const inherited = process.env[TEST_RUN_MARK];
  const id = inherited?.startsWith(`${process.pid}:`)
    ? inherited
    : `${process.pid}:${randomUUID()}`;
  process.env[TEST_RUN_MARK] = id;
  const mark = `${TEST_RUN_MARK}=${id}`;
  return async () => {
    let left = marked(mark);
    for (let waited = 0; left.length > 0 && waited < 3_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = marked(mark);
    }
    if (left.length === 0) return;
    for (const { pid } of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // vitest reports an error thrown here but still exits 0: fail the run by hand.
    console.error(
      `\n*** processes started by the tests outlived them (now killed):\n${left
        .map(({ pid, command }) => `  ${pid} ${command}`)
        .join('\n')}\n`,
    );
    process.exitCode = 1;
  };
}
