/**
 * SPEC R16 with R15.6: the validated-token cache is on by default (`--token-cache-ttl` 30 s) and
 * revocation stays immediate. In one process and across instances on PostgreSQL that is
 * test/server/r15-token-cache.test.ts; here: the default itself, on both stores, and SQLite
 * files written by another process (the admin CLI, a second connection), which the server
 * notices through `PRAGMA data_version` before every cached lookup.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import { hashSecret } from '../../src/core/ids.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/types.ts';
import { cacheProbe as userInfo, deleteAccessTokenRow } from '../helpers/instances.ts';
import { obtainTokens, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds, type StoreKind } from '../helpers/stores.ts';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');

/** A token validated once (so cached), for a new user of a new app. */
async function cachedToken(server: TestServer) {
  const client = await server.addClient();
  const t = await obtainTokens(server, { ...client, accessType: 'offline' });
  expect(t.status).toBe(200);
  const access = t.body.access_token as string;
  expect(await userInfo(server.url, access)).toBe(200);
  return { access, clientId: client.clientId };
}

describe('R16: the validated-token cache is on by default', () => {
  it('R16: --token-cache-ttl defaults to 30 seconds', () => {
    expect(parseConfig({}).tokenCacheTtl).toBe(30);
    expect(parseConfig({ tokenCacheTtl: 0 }).tokenCacheTtl).toBe(0);
  });

  describe.each(storeKinds)('on $name', (kind) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(kind, { throttle: false });
    });
    afterAll(() => server.close());

    it('R16: with the default configuration a validated token is served from the cache for 30 s', async () => {
      const { access } = await cachedToken(server);
      // Deleted behind the cache's back (no revocation signal): the cache still answers.
      await deleteAccessTokenRow(server.store, hashSecret(access));
      expect(await userInfo(server.url, access)).toBe(200);
      server.advance(31_000);
      expect(await userInfo(server.url, access)).toBe(401);
    });

    it('R15.6: with the default configuration a revoked cached token is refused at once', async () => {
      const { access } = await cachedToken(server);
      const res = await postForm(server.url, `/oauth/v2/token/revoke?token=${access}`, {});
      expect(res.body).toEqual({ status: 'success' });
      expect(await userInfo(server.url, access)).toBe(401);
    });
  });
});

describe('R15.6: SQLite written by another process, with the cache on by default', () => {
  const sqlite = storeKinds.find((k) => k.name === 'sqlite') as StoreKind;
  let location: string;
  let cleanup: () => Promise<void>;
  let server: TestServer;
  let other: Store;
  beforeAll(async () => {
    ({ location, cleanup } = await sqlite.location());
    server = await startServer({ ...sqlite, open: () => openStore(location) }, { throttle: false });
    // A second connection to the same file: to SQLite, exactly another process.
    other = await openStore(location, { migrate: false, create: false });
  });
  afterAll(async () => {
    await other?.close();
    await server?.close();
    await cleanup?.();
  });

  it('R15.6: a token revoked through another connection to the file is refused at once', async () => {
    const { access } = await cachedToken(server);
    expect(await other.revokeToken(hashSecret(access))).toBe('access');
    expect(await userInfo(server.url, access)).toBe(401);
  });

  it('R15.6: any commit by another connection empties the cache (the token deleted silently is then read again)', async () => {
    const { access } = await cachedToken(server);
    await deleteAccessTokenRow(server.store, hashSecret(access));
    // This server's own write sends no signal: the cache still answers.
    expect(await userInfo(server.url, access)).toBe(200);
    // An unrelated write by another connection: the cache cannot know what changed, so it empties.
    await other.createUser(
      {
        email: 'bystander@example.com',
        passwordHash: 'x',
        firstName: 'B',
        lastName: 'Y',
        displayName: 'B Y',
      },
      server.now(),
    );
    expect(await userInfo(server.url, access)).toBe(401);
  });

  it('R15.6: `tollgate client delete` run beside the server refuses the app’s cached token on the next request', async () => {
    const { access, clientId } = await cachedToken(server);
    const res = spawnSync(
      process.execPath,
      [BIN, 'client', 'delete', '--db', location, '--client-id', clientId],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect({ code: res.status, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await userInfo(server.url, access)).toBe(401);
  });
});
