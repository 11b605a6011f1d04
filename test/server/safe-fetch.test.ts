/**
 * SPEC R14.4: the SSRF guard every outbound fetch of a client-supplied URL goes through. Every
 * address a host resolves to is checked, and the connection is pinned to the checked address,
 * so a DNS answer that changes afterwards (rebinding) is never used.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress, safeFetch, type Resolver } from '../../src/server/safe-fetch.ts';

describe('R14.4 SSRF guard (safe-fetch)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it('R14.4: private, loopback, link-local, shared and mapped addresses are private; public ones are not', () => {
    for (const address of [
      '10.0.0.1',
      '127.0.0.1',
      '127.255.0.9',
      '169.254.169.254',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.0.1',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:a00:1',
      '64:ff9b::a9fe:a9fe',
      'not an address',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['8.8.8.8', '172.32.0.1', '93.184.216.34', '2606:4700::1111'])
      expect(isPrivateAddress(address), address).toBe(false);
  });

  it('R14.4: a host name is refused when any one of its addresses is private', async () => {
    const resolve: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];
    await expect(
      safeFetch(new URL('https://mixed.example/doc.json'), {
        timeoutMs: 1000,
        maxBytes: 5120,
        allowPrivate: false,
        resolve,
      }),
    ).rejects.toMatchObject({
      code: 'private_address',
      message:
        'The host mixed.example resolves to a private, loopback or link-local address (10.0.0.7).',
    });
  });

  it('R14.4: the connection is pinned to the checked address: a second, different DNS answer is never used', async () => {
    const answers = ['127.0.0.1', '127.0.0.2'];
    let calls = 0;
    const resolve: Resolver = async () => [{ address: answers[calls++] ?? '127.0.0.3', family: 4 }];
    // The server listens on 127.0.0.1 only: a connection to 127.0.0.2 would be refused.
    const res = await safeFetch(new URL(`http://rebind.example:${port}/doc.json`), {
      timeoutMs: 2000,
      maxBytes: 5120,
      allowPrivate: true,
      resolve,
    });
    expect(calls).toBe(1);
    expect(res).toMatchObject({ status: 200, body: '{"ok":true}', address: '127.0.0.1' });
  });

  it('R14.4: a host that does not resolve, and a non-http URL, are refused', async () => {
    const resolve: Resolver = async () => {
      throw new Error('ENOTFOUND');
    };
    const options = { timeoutMs: 1000, maxBytes: 5120, allowPrivate: false, resolve };
    await expect(safeFetch(new URL('https://nowhere.example/x'), options)).rejects.toMatchObject({
      code: 'dns_failed',
    });
    await expect(safeFetch(new URL('file:///etc/passwd'), options)).rejects.toMatchObject({
      code: 'bad_url',
    });
  });
});
