/**
 * Fault: SIGTERM while a request is in flight and idle connections are open. The request is
 * answered, then the process exits 0 promptly: connections that never sent a request do not
 * hold it open (regression: they did, until the clients went away). Over HTTPS too, where idle
 * connections may be mid-handshake or past it (regression: a request in flight over TLS was cut
 * off, its connection taken for an idle one).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { createSelfSignedCert } from '../../src/cli/self-signed-cert.ts';
import { SCOPE, seedStore, type Seed } from './helpers/seed.ts';
import { startTollgate, type TollgateProcess } from './helpers/tollgate-process.ts';
import { openRaw, openTls, within, type RawConnection } from './helpers/os-faults.ts';

describe('SIGTERM', () => {
  let dir = '';
  let seed: Seed;
  let server: TollgateProcess | undefined;
  const connections: RawConnection[] = [];
  const tls = { cert: '', certPath: '', keyPath: '' };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-term-'));
    seed = await seedStore(join(dir, 'tollgate.db'), { users: 1, codes: 0 });
    const pair = createSelfSignedCert({ now: Date.now() });
    tls.cert = pair.cert;
    tls.certPath = join(dir, 'cert.pem');
    tls.keyPath = join(dir, 'key.pem');
    writeFileSync(tls.certPath, pair.cert);
    writeFileSync(tls.keyPath, pair.key, { mode: 0o600 });
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) c.socket.destroy();
    await server?.kill9();
    server = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    { over: 'HTTP', https: false },
    { over: 'HTTPS', https: true },
  ])(
    'drains a request in flight on SIGTERM and exits 0 with idle connections open ($over)',
    { timeout: 20_000 },
    async ({ https }) => {
      const tollgate = await startTollgate({
        db: join(dir, 'tollgate.db'),
        args: https ? ['--tls-cert', tls.certPath, '--tls-key', tls.keyPath] : [],
      });
      server = tollgate;
      const port = Number(new URL(tollgate.url).port);
      // Idle: connections that sent nothing (over HTTPS: not even a handshake), and over HTTPS
      // connections whose handshake is done but which sent no request.
      const idle = await Promise.all([
        ...Array.from({ length: 40 }, () => openRaw(port)),
        ...Array.from({ length: https ? 10 : 0 }, () => openTls(port, tls.cert)),
      ]);
      connections.push(...idle);
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        soid: 'ZohoSalesIQ.600123434',
        scope: SCOPE,
        client_id: seed.self.clientId,
        client_secret: seed.self.clientSecret,
      }).toString();
      const half = Math.floor(form.length / 2);
      const head = `POST /oauth/v2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\nConnection: close\r\n\r\n${form.slice(0, half)}`;
      const inFlight = https ? await openTls(port, tls.cert, head) : await openRaw(port, head);
      connections.push(inFlight);
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
