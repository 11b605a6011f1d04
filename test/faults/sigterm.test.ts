/**
 * Fault: SIGTERM while a request is in flight and idle connections are open. The request is
 * answered, then the process exits 0 promptly: connections that never sent a request do not
 * hold it open (regression: they did, until the clients went away).
 */
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE, seedStore, type Seed } from './helpers/seed.ts';
import { startTollgate, type TollgateProcess } from './helpers/tollgate-process.ts';

interface RawConnection {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
}

function open(port: number, first = ''): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () => {
      if (first) socket.write(first);
      resolve({ socket, received: () => received, closed });
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`${what} took longer than ${ms} ms`)))]);
}

describe('SIGTERM', () => {
  let dir = '';
  let seed: Seed;
  let server: TollgateProcess | undefined;
  let port = 0;
  const connections: RawConnection[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-term-'));
    seed = await seedStore(join(dir, 'tollgate.db'), { users: 1, codes: 0 });
    server = await startTollgate({ db: join(dir, 'tollgate.db') });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    for (const c of connections) c.socket.destroy();
    await server?.kill9();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drains a request in flight on SIGTERM and exits 0 with idle connections open', { timeout: 20_000 }, async () => {
    const tollgate = server!;
    const idle = await Promise.all(Array.from({ length: 50 }, () => open(port)));
    connections.push(...idle);
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE, client_id: seed.self.clientId, client_secret: seed.self.clientSecret }).toString();
    const half = Math.floor(form.length / 2);
    const inFlight = await open(port, `POST /oauth/v2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\nConnection: close\r\n\r\n${form.slice(0, half)}`);
    await sleep(300);
    const stopping = tollgate.terminate(10_000);
    await sleep(500);
    inFlight.socket.write(form.slice(half));
    await within(inFlight.closed, 5_000, 'answering the request in flight');
    expect(inFlight.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(inFlight.received()).toContain('"access_token"');
    expect(await within(stopping, 5_000, 'exiting after SIGTERM')).toEqual({ code: 0, signal: null });
    server = undefined;
  });
});
