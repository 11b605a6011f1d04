/**
 * Machine-level fault tools shared by the fault tests and `npm run soak`: a small tmpfs to fill,
 * raw TCP connections that misbehave, and a time bound for anything awaited.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Mounts a tmpfs of `size` (e.g. `16m`) at a fresh folder, or says why it cannot (needs root). */
export function mountTmpfs(size: string): { dir: string } | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: String((error as { stderr?: Buffer }).stderr ?? error).trim() };
  }
}

/** Writes a file until the disk is full; returns its path (delete it to give the space back). */
export function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Rejects when `promise` takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => Promise.reject(new Error(`${what} took longer than ${ms} ms`))),
  ]);
}

export interface RawConnection {
  socket: Socket;
  received: () => string;
  /** Resolves with the ms from opening to the connection closing. */
  closed: Promise<number>;
}

/** Opens a raw TCP connection to a loopback port, optionally writing `first` at once. */
export function openRaw(port: number, first = ''): Promise<RawConnection> {
  return openConnection((ready) => connect(port, '127.0.0.1', ready), first);
}

/**
 * Opens a TLS connection to a loopback port (trusting `ca`) and resolves once its handshake is
 * done, optionally writing `first` then.
 */
export function openTls(port: number, ca: string, first = ''): Promise<RawConnection> {
  return openConnection(
    (ready) => tlsConnect({ port, host: '127.0.0.1', ca, servername: 'localhost' }, ready),
    first,
  );
}

function openConnection(
  open: (ready: () => void) => Socket,
  first: string,
): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let received = '';
    const socket = open(() => {
      if (first) socket.write(first);
      resolve({ socket, received: () => received, closed });
    });
    const closed = new Promise<number>((done) =>
      socket.once('close', () => done(performance.now() - started)),
    );
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}
