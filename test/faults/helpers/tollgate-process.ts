/**
 * A real `tollgate serve` process for fault tests: started through bin/tollgate.js (optionally
 * under shell limits such as `ulimit -n` or `ulimit -f`), killed with SIGKILL or stopped with
 * SIGTERM, its exit observed. Everything listens on loopback only.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnGroup } from '../../helpers/processes.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/tollgate.js', import.meta.url));

export interface TollgateProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code and signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, then wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, then wait (up to `ms`) for the exit; SIGKILL after that. */
  terminate(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartTollgateOptions {
  db: string;
  /** Extra `serve` flags (the defaults are rfc profile, no throttle, warn logging). */
  args?: string[];
  /** Shell `ulimit` arguments applied to the process first, e.g. `['-n 4096']`. */
  ulimits?: string[];
  /** Seconds to wait for the listening line (default 30). */
  timeoutSeconds?: number;
}

/** Starts `tollgate serve` on a free loopback port and resolves once it listens. */
export async function startTollgate(options: StartTollgateOptions): Promise<TollgateProcess> {
  const args = [
    BIN,
    'serve',
    '--db',
    options.db,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--profile',
    'rfc',
    '--no-throttle',
    '--log-level',
    'warn',
    ...(options.args ?? []),
  ];
  const quoted = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const limits = (options.ulimits ?? []).map((l) => `ulimit ${l} && `).join('');
  const child = spawnGroup('/bin/sh', ['-c', `${limits}exec ${quoted}`], {
    stdin: 'ignore',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        reject(
          new Error(
            `tollgate serve did not start within ${options.timeoutSeconds ?? 30} s:\n${output}`,
          ),
        );
      },
      (options.timeoutSeconds ?? 30) * 1000,
    );
    const onData = (): void => {
      const match = /listening on (https?:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(match[1].replace(/\/+$/, ''));
      }
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`tollgate serve exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const waitExit = (ms: number): Promise<boolean> =>
    Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
    ]);
  return {
    url,
    pid: child.pid ?? 0,
    child,
    output: () => output,
    exited,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async terminate(ms = 15_000) {
      child.kill('SIGTERM');
      if (!(await waitExit(ms))) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Resident set size of a process in bytes (Linux), 0 when it is gone. */
export function readRss(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
