/**
 * SPEC R16 with R15.6 on SQLite: the validated-token cache checks for other processes' commits
 * (`PRAGMA data_version`) once per batch of requests read by one I/O poll (TokenCache.arrived),
 * not before every lookup; a revocation committed by another process is still refused by the
 * very next request, also while other requests keep the server busy.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/core/ids.ts';
import { openStore } from '../../src/store/open-store.ts';
import { cacheProbe as userInfo } from '../helpers/instances.ts';
import { obtainTokens, startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds, type StoreKind } from '../helpers/stores.ts';

const REVOKER = join(import.meta.dirname, '../helpers/revoker-process.ts');

/** A token validated once (so cached), for a new user of a new app. */
async function cachedToken(server: TestServer): Promise<string> {
  const client = await server.addClient();
  const t = await obtainTokens(server, { ...client, accessType: 'offline' });
  expect(t.status).toBe(200);
  const access = t.body.access_token as string;
  expect(await userInfo(server.url, access)).toBe(200);
  return access;
}

/** Waits for the child's next IPC message. */
function nextMessage(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as Record<string, unknown>));
    child.once('exit', (code) => reject(new Error(`revoker exited with ${code}`)));
  });
}

describe('R16: SQLite, the check for other processes’ commits runs once per batch of requests', () => {
  const sqlite = storeKinds.find((k) => k.name === 'sqlite') as StoreKind;
  let cleanup: () => Promise<void>;
  let server: TestServer;
  let revoker: ChildProcess;
  beforeAll(async () => {
    const fresh = await sqlite.location();
    cleanup = fresh.cleanup;
    server = await startServer(
      { ...sqlite, open: () => openStore(fresh.location) },
      { throttle: false, tokenCacheTtl: 60 },
    );
    revoker = fork(REVOKER, [fresh.location], { execArgv: ['--import', 'tsx'], stdio: 'pipe' });
    expect(await nextMessage(revoker)).toEqual({ ready: true });
  });
  afterAll(async () => {
    if (revoker?.connected) {
      const exited = new Promise((resolve) => revoker.once('exit', resolve));
      revoker.send({ stop: true });
      await exited;
    }
    await server?.close();
    await cleanup?.();
  });

  it('R16: a burst of concurrent requests checks data_version fewer times than it has lookups', async () => {
    const access = await cachedToken(server);
    const store = server.store;
    const poll = store.pollRevocations.bind(store);
    let polls = 0;
    store.pollRevocations = () => {
      polls++;
      poll();
    };
    let lookups = 0;
    try {
      // Bursts of concurrent requests on kept-alive connections: many arrive in one I/O poll.
      for (let round = 0; round < 8; round++) {
        const answers = await Promise.all(
          Array.from({ length: 32 }, () => userInfo(server.url, access)),
        );
        expect(answers.every((a) => a === 200)).toBe(true);
        lookups += answers.length;
      }
    } finally {
      store.pollRevocations = poll;
    }
    // Before, every lookup polled: 256 requests, 256 polls (or more).
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThan(lookups);
  });

  it('R16: outside a batch (app.inject) a look-up checks data_version once, whether the cache holds the token or not', async () => {
    const client = await server.addClient();
    const t = await obtainTokens(server, { ...client, accessType: 'offline' });
    const access = t.body.access_token as string;
    const poll = server.store.pollRevocations.bind(server.store);
    let polls = 0;
    server.store.pollRevocations = () => {
      polls++;
      return poll();
    };
    const inject = async () =>
      (
        await server.app.inject({
          url: '/oauth/user/info',
          headers: { authorization: `Zoho-oauthtoken ${access}` },
        })
      ).statusCode;
    try {
      expect(await inject()).toBe(200); // a miss: read from the store, then cached
      expect(polls).toBe(1);
      expect(await inject()).toBe(200); // a hit
      expect(polls).toBe(2);
    } finally {
      server.store.pollRevocations = poll;
    }
  });

  it('R15.6: a token revoked by another process is refused by the very next request, while concurrent requests keep batches open', async () => {
    const bystander = await cachedToken(server);
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push(await cachedToken(server));
    let loading = true;
    const load = async (): Promise<number> => {
      let served = 0;
      while (loading) {
        expect(await userInfo(server.url, bystander)).toBe(200);
        served++;
      }
      return served;
    };
    const workers = Array.from({ length: 8 }, load);
    try {
      for (const access of tokens) {
        expect(await userInfo(server.url, access)).toBe(200);
        const answer = nextMessage(revoker);
        revoker.send({ hash: hashSecret(access) });
        expect(await answer).toEqual({ revoked: 'access' });
        expect(await userInfo(server.url, access)).toBe(401);
      }
    } finally {
      loading = false;
    }
    const served = await Promise.all(workers);
    expect(served.every((n) => n > 0)).toBe(true);
  });
});
