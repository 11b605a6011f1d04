/**
 * The servers under load run in their own processes, apart from the load generator: compiled
 * JavaScript by plain `node` (bench/build.ts builds it), as users run Tollgate; a `.ts` script
 * still runs through tsx's loader. This starts one, waits for its "listening on URL" line,
 * samples its resident memory, and stops it (SIGTERM, so `--cpu-prof` profiles get written).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root: `--import tsx` (for a `.ts` script) resolves from there. */
const ROOT = resolve(import.meta.dirname, '..');

export interface ServerProcess {
  url: string;
  pid: number;
  /** Starts sampling RSS; the returned function stops and gives the peak in bytes. */
  sampleRss(): () => number;
  /** CPU time (user + system) the process has used so far, in microseconds; 0 where unknown. */
  cpuTimeUs(): number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Node flags before the script (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** Seconds to wait for the listening line. */
  timeoutSeconds?: number;
  /** CPUs to pin the process to (`taskset -c LIST`, which execs node: the pid stays node's). */
  cpus?: string;
}

/** Resident set size of a process in bytes (Linux /proc, else `ps`). */
export function readRss(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match?.[1]) return Number(match[1]) * 1024;
  } catch {
    // Not Linux, or the process is gone: fall back to ps below.
  }
  try {
    return (
      Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) *
      1024
    );
  } catch {
    return 0;
  }
}

/** User + system CPU time of a process in microseconds, from /proc (Linux only; 0 elsewhere). */
export function readCpuTimeUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / CLOCK_TICKS) * 1e6;
  } catch {
    return 0;
  }
}

/** USER_HZ: 100 on every Linux platform Node supports. */
const CLOCK_TICKS = 100;

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Spawns `node [flags] <script> ...args` (a `.ts` script with `--import tsx`) and resolves once
 * it prints its URL.
 */
export async function startServer(
  script: string,
  args: string[],
  options: StartOptions = {},
): Promise<ServerProcess> {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const nodeArgs = [...(options.nodeFlags ?? []), ...loader, script, ...args];
  const child = spawn(
    options.cpus === undefined ? process.execPath : 'taskset',
    options.cpus === undefined ? nodeArgs : ['-c', options.cpus, process.execPath, ...nodeArgs],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        reject(
          new Error(`${script} did not start within ${options.timeoutSeconds ?? 60} s:\n${output}`),
        );
      },
      (options.timeoutSeconds ?? 60) * 1000,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/+$/, ''));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code ?? 'a signal'} before listening:\n${output}`));
    });
  });
  // Keep draining output so a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  const pid = child.pid ?? 0;
  return {
    url,
    pid,
    sampleRss() {
      let peak = readRss(pid);
      const timer = setInterval(() => {
        peak = Math.max(peak, readRss(pid));
      }, 250);
      return () => {
        clearInterval(timer);
        return Math.max(peak, readRss(pid));
      };
    },
    cpuTimeUs: () => readCpuTimeUs(pid),
    async stop() {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 15_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    },
  };
}
