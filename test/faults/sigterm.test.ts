/**
 * Fault: SIGTERM while a request is in flight and idle connections are open. The request is
 * answered, then the process exits 0 promptly: connections that never sent a request do not
 * hold it open (regression: they did, until the clients went away).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE, seedStore, type Seed } from './helpers/seed.ts';
import { startTollgate, type TollgateProcess } from './helpers/tollgate-process.ts';
import { openRaw, within, type RawConnection } from './helpers/os-faults.ts';

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

  it(
    'drains a request in flight on SIGTERM and exits 0 with idle connections open',
    { timeout: 20_000 },
    async () => {
      const tollgate = server!;
      const idle = await Promise.all(Array.from({ length: 50 }, () => openRaw(port)));
      connections.push(...idle);
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        soid: 'ZohoSalesIQ.600123434',
        scope: SCOPE,
        client_id: seed.self.clientId,
        client_secret: seed.self.clientSecret,
      }).toString();
      const half = Math.floor(form.length / 2);
      const inFlight = await openRaw(
        port,
        `POST /oauth/v2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\nConnection: close\r\n\r\n${form.slice(0, half)}`,
      );
      await sleep(300);
      const stopping = tollgate.terminate(10_000);
      await sleep(500);
      inFlight.socket.write(form.slice(half));
      await within(inFlight.closed, 5_000, 'answering the request in flight');
      expect(inFlight.received()).toMatch(/^HTTP\/1\.1 200 /);
      expect(inFlight.received()).toContain('"access_token"');
      expect(await within(stopping, 5_000, 'exiting after SIGTERM')).toEqual({
        code: 0,
        signal: null,
      });
      server = undefined;
    },
  );
});
