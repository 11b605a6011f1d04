import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { TollgateClientError } from '../errors.ts';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up waiting for the lock after this long (default 60000 ms). */
  readonly timeoutMs?: number;
  /** A lock whose holder has not touched it for this long is broken (default 60000 ms). */
  readonly staleMs?: number;
  /** How often a waiter looks again (default 25 ms, with jitter). */
  readonly pollMs?: number;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly id: string;
}

/**
 * Runs `task` while holding `lockPath`, a file created with `O_CREAT|O_EXCL` so that one
 * process at a time holds it. The holder touches it periodically; a lock left by a process
 * that died (same host, pid gone) or untouched for `staleMs` is broken, so a crash never
 * wedges the other processes.
 */
export async function withFileLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleMs = options.staleMs ?? 60_000;
  const pollMs = options.pollMs ?? 25;
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    id: randomBytes(16).toString('hex'),
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await tryCreate(lockPath, owner))) {
    await breakIfStale(lockPath, staleMs);
    if (Date.now() > deadline) {
      throw new TollgateClientError(
        'lock_timeout',
        `Waited ${timeoutMs} ms for the lock ${lockPath}.`,
        {
          hint: 'Another process holds it; if none is running, delete the lock file.',
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs / 2 + Math.random() * pollMs));
  }
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      utimes(lockPath, now, now).catch(() => undefined);
    },
    Math.max(50, staleMs / 3),
  );
  heartbeat.unref();
  try {
    return await task();
  } finally {
    clearInterval(heartbeat);
    await releaseIfOwned(lockPath, owner);
  }
}

async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', 0o600);
  } catch (cause) {
    if (isErrno(cause, 'EEXIST')) return false;
    throw new TollgateClientError('store_io', `Cannot create the lock file ${lockPath}.`, {
      hint: 'Check that the token file directory exists and is writable.',
      cause,
    });
  }
  try {
    await handle.writeFile(JSON.stringify(owner));
  } finally {
    await handle.close();
  }
  return true;
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  let holder: Partial<LockOwner> | undefined;
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(lockPath)).mtimeMs;
    holder = parseOwner(await readFile(lockPath, 'utf8'));
  } catch {
    return;
  }
  const deadHolder =
    holder !== undefined &&
    holder.host === hostname() &&
    typeof holder.pid === 'number' &&
    !isAlive(holder.pid);
  // A holder that has written nothing yet is only broken by age: it may be mid-creation.
  if (!deadHolder && Date.now() - mtimeMs < staleMs) return;
  try {
    const again = parseOwner(await readFile(lockPath, 'utf8'));
    if (again?.id === holder?.id) await unlink(lockPath);
  } catch {
    // Someone else broke or released it first.
  }
}

async function releaseIfOwned(lockPath: string, owner: LockOwner): Promise<void> {
  try {
    if (parseOwner(await readFile(lockPath, 'utf8'))?.id === owner.id) await unlink(lockPath);
  } catch {
    // Already broken as stale by another process: nothing of ours to remove.
  }
}

function parseOwner(text: string): Partial<LockOwner> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Partial<LockOwner>) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    return isErrno(cause, 'EPERM');
  }
}

/** Whether `error` is a Node system error with this `code`. */
export function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
