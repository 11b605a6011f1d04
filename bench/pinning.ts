/**
 * CPU pinning for `npm run bench` (SPEC R16: the server on one core, the load generator on the
 * other). With `taskset` and at least two CPUs, every server process is started on CPU 0 and
 * this driver process (autocannon) moves itself, all its threads, to CPU 1. Without them the run
 * goes on unpinned and says so.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface Pinning {
  /** The CPU list for server processes (`taskset -c`), when pinned. */
  serverCpus: string | undefined;
  /** What the run did, for the console and BENCHMARKS.md. */
  description: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process to the last CPU and returns where servers go; `enabled: false` skips it. */
export function pinProcesses(enabled: boolean): Pinning {
  const cpus = availableParallelism();
  if (!enabled) return { serverCpus: undefined, description: 'not pinned (--no-pin)' };
  if (cpus < 2)
    return { serverCpus: undefined, description: `not pinned: only ${cpus} CPU available` };
  if (!hasTaskset())
    return { serverCpus: undefined, description: 'not pinned: `taskset` was not found' };
  const loadCpu = String(cpus - 1);
  const serverCpus = '0';
  try {
    // -a: every thread of this process (libuv's pool too), not only the main one.
    execFileSync('taskset', ['-a', '-cp', loadCpu, String(process.pid)], { stdio: 'ignore' });
  } catch (error) {
    return {
      serverCpus: undefined,
      description: `not pinned: taskset failed (${(error as Error).message.split('\n')[0] ?? ''})`,
    };
  }
  return {
    serverCpus,
    description: `pinned with taskset: each server process on CPU ${serverCpus}, the load generator on CPU ${loadCpu}`,
  };
}
