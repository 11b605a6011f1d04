/**
 * SPEC R13.3, keys: created on first start, kept in the store, published at /oauth/v2/keys, and
 * rotated with `tollgate keys rotate` while the old key stays published until its tokens expire.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import { DEFAULT_KEY_REFRESH_MS, rotateSigningKey } from '../../src/core/signing-keys.ts';
import { buildApp } from '../../src/server/app.ts';
import { openStore } from '../../src/store/open-store.ts';
import { storeKinds } from '../helpers/stores.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');

interface Jwks {
  keys: { kid: string; kty: string; alg: string; use: string; n: string; e: string; d?: string }[];
}

describe.each(storeKinds)('R13.3 signing keys on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { accessTokenTtl: 600 });
  });
  afterAll(() => server.close());

  const jwks = async (): Promise<Jwks> => {
    const res = await fetch(`${server.url}/oauth/v2/keys`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    return (await res.json()) as Jwks;
  };

  it('R13.3: the first start creates one RS256 key in the store, published without its private part', async () => {
    await server.app.tollgate.keys.keys();
    const stored = await server.store.listSigningKeys();
    expect(stored).toHaveLength(1);
    const { keys } = await jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kid: stored[0]?.kid, kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(keys[0]?.d).toBeUndefined();
    const meta = (await (
      await fetch(`${server.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(meta.jwks_uri).toBe(`${server.url}/oauth/v2/keys`);
  });

  it('R13.3: a restart on the same store keeps the key', async () => {
    const before = (await server.store.listSigningKeys()).map((k) => k.kid);
    const again = await buildApp(parseConfig({ logLevel: 'silent', port: 0 }), server.store);
    await again.close();
    expect((await server.store.listSigningKeys()).map((k) => k.kid)).toEqual(before);
  });

  it('R13.3: after a rotation both keys are published, and the old one leaves once its tokens have expired', async () => {
    const [old] = await server.store.listSigningKeys();
    const rotated = await rotateSigningKey(server.store, server.now());
    server.advance(DEFAULT_KEY_REFRESH_MS);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([rotated.kid, old?.kid]);
    // The server's clock runs on in real time as well: stay a few seconds clear of the edge.
    server.advance(600_000 - 5_000);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([rotated.kid, old?.kid]);
    server.advance(DEFAULT_KEY_REFRESH_MS + 5_000);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([rotated.kid]);
  });
});

describe('tollgate keys', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('R13.3: `tollgate keys rotate` adds a key that the server publishes beside the first', async () => {
    const db = join(dir, 'tollgate.db');
    const store = await openStore(db);
    const app = await buildApp(parseConfig({ logLevel: 'silent', port: 0 }), store);
    const first = (await app.tollgate.keys.keys())[0]?.kid;
    try {
      const rotate = spawnSync(process.execPath, [BIN, 'keys', 'rotate', '--db', db, '--json'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(rotate.stderr).toBe('');
      expect(rotate.status).toBe(0);
      const out = JSON.parse(rotate.stdout) as { kid: string; alg: string };
      expect(out.alg).toBe('RS256');
      const list = spawnSync(process.execPath, [BIN, 'keys', 'list', '--db', db, '--json'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect((JSON.parse(list.stdout) as { kid: string }[]).map((k) => k.kid)).toEqual([
        out.kid,
        first,
      ]);
      // A fresh instance (no cached key list) publishes both.
      const other = await buildApp(parseConfig({ logLevel: 'silent', port: 0 }), store);
      const res = await other.inject({ method: 'GET', url: '/oauth/v2/keys' });
      await other.close();
      expect((res.json() as Jwks).keys.map((k) => k.kid)).toEqual([out.kid, first]);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
