/**
 * Fault: slow clients and floods against a real server process. Headers and bodies trickled a
 * byte at a time are cut off at the request timeout (answered 408 and closed); oversized bodies
 * and headers are refused; 1,000 idle connections do not stop others being served.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './helpers/mixed-load.ts';
import { SCOPE, seedStore, type Seed } from './helpers/seed.ts';
import { startTollgate, type TollgateProcess } from './helpers/tollgate-process.ts';
import { openRaw, within, type RawConnection } from './helpers/os-faults.ts';

/** The server under test gets 2 s to receive headers, and 2 s more for a body. */
const REQUEST_TIMEOUT_S = 2;

/** Writes one byte every `ms` until the connection closes. */
function trickle(connection: RawConnection, ms: number): void {
  const timer = setInterval(
    () => (connection.socket.writable ? connection.socket.write('x') : clearInterval(timer)),
    ms,
  );
  void connection.closed.then(() => clearInterval(timer));
}

describe('slow clients and floods', () => {
  let dir = '';
  let seed: Seed;
  let server: TollgateProcess | undefined;
  let port = 0;
  const connections: RawConnection[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-slow-'));
    seed = await seedStore(join(dir, 'tollgate.db'), { users: 1, codes: 0 });
    server = await startTollgate({
      db: join(dir, 'tollgate.db'),
      args: ['--request-timeout', String(REQUEST_TIMEOUT_S)],
      ulimits: ['-n 8192'],
    });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    for (const c of connections) c.socket.destroy();
    await server?.kill9();
    rmSync(dir, { recursive: true, force: true });
  });

  const mint = (base: string) =>
    call(base, 'POST', '/oauth/v2/token', {
      timeoutMs: 5_000,
      form: {
        grant_type: 'client_credentials',
        soid: 'ZohoSalesIQ.600123434',
        scope: SCOPE,
        client_id: seed.self.clientId,
        client_secret: seed.self.clientSecret,
      },
    });

  it(
    'cuts off trickled headers and bodies at the request timeout while 1,000 idle connections wait and others are served',
    { timeout: 30_000 },
    async () => {
      const slowHeaders = await openRaw(port, 'GET /health HTTP/1.1\r\nHost: localhost\r\n');
      trickle(slowHeaders, 200);
      const slowBody = await openRaw(
        port,
        'POST /oauth/v2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\ngrant_type=',
      );
      trickle(slowBody, 200);
      for (let i = 0; i < 1_000; i++) connections.push(await openRaw(port));

      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2 ? mint(server!.url) : call(server!.url, 'GET', '/health', { timeoutMs: 5_000 }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(3_000);

      const bound = (REQUEST_TIMEOUT_S + 3) * 1000;
      expect(await within(slowHeaders.closed, bound, 'closing trickled headers')).toBeGreaterThan(
        REQUEST_TIMEOUT_S * 1000 - 100,
      );
      expect(slowHeaders.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(await within(slowBody.closed, bound, 'closing a trickled body')).toBeGreaterThan(
        REQUEST_TIMEOUT_S * 1000 - 100,
      );
      expect(slowBody.received()).toMatch(/^HTTP\/1\.1 408 /);
      const idleClosed = await within(
        Promise.all(connections.map((c) => c.closed)),
        bound + 2_000,
        'closing 1,000 idle connections',
      );
      expect(idleClosed.length).toBe(1_000);
      expect((await mint(server!.url)).status).toBe(200);
    },
  );

  it('refuses a body over 100 KB (413) and headers over 16 KB (431)', async () => {
    const big = await call(server!.url, 'POST', '/oauth/v2/token', {
      form: { grant_type: 'client_credentials', pad: 'x'.repeat(101 * 1024) },
    });
    expect(big.status).toBe(413);
    const header = await call(server!.url, 'GET', '/health', {
      headers: { 'x-pad': 'x'.repeat(17 * 1024) },
    });
    expect(header.status).toBe(431);
    expect((await mint(server!.url)).status).toBe(200);
  });
});
