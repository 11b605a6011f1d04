/**
 * SPEC R15.6: validated access tokens are cached in process (`--token-cache-ttl`) and revocation
 * is still immediate: every revoke path empties the cache of its own process before it answers,
 * and on PostgreSQL every other instance hears it through LISTEN/NOTIFY; an instance whose
 * listening connection is down does not use its cache.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createAdminKey } from '../../src/core/admin-keys.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { hashSecret } from '../../src/core/ids.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  cacheProbe as userInfo,
  deleteAccessTokenRow,
  grantFixture,
  startInstances,
  type Instances,
} from '../helpers/instances.ts';
import { s256 } from '../../src/core/pkce.ts';
import {
  authorize,
  Browser,
  hiddenField,
  obtainTokens,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

describe.each(storeKinds)('R15.6 token cache in one process on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { tokenCacheTtl: 300, throttle: false, metrics: true });
  });
  afterAll(() => server.close());

  /** A token validated once (so cached) and shown to be served from the cache. */
  async function cachedToken(app?: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
  }) {
    const client = app ?? (await server.addClient());
    const t = await obtainTokens(server, { ...client, accessType: 'offline' });
    const access = t.body.access_token as string;
    expect(await userInfo(server.url, access)).toBe(200);
    return { client, access, refresh: t.body.refresh_token as string, t };
  }

  it("R15.6: a validated token is served from the cache (its row deleted behind the cache's back still works)", async () => {
    const { access } = await cachedToken();
    await deleteAccessTokenRow(server.store, hashSecret(access));
    expect(await userInfo(server.url, access)).toBe(200);
    // The cache is bounded in time: past the TTL the store is read again.
    server.advance(301_000);
    expect(await userInfo(server.url, access)).toBe(401);
  });

  it('R15.6: the user of a cached token is cached with it, and read again after any revocation', async () => {
    const { access, t } = await cachedToken();
    const user = await server.store.findUserByEmail(t.user.email);
    // Changed behind the cache's back (Tollgate itself never renames a user): not read again.
    await sql`update users set first_name = 'Renamed' where zuid = ${user!.zuid}`.execute(
      (server.store as KyselyStore).db,
    );
    const before = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Bearer ${access}` },
    });
    expect(((await before.json()) as { First_Name: string }).First_Name).toBe(user!.firstName);
    // A revocation of anything (here another app's token) empties the cache: the row is read.
    const other = await cachedToken();
    await postForm(server.url, `/oauth/v2/token/revoke?token=${other.access}`, {});
    const after = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Bearer ${access}` },
    });
    expect(((await after.json()) as { First_Name: string }).First_Name).toBe('Renamed');
  });

  it('R15.6: Zoho revocation (/oauth/v2/token/revoke) of a cached access token is refused at once', async () => {
    const { access } = await cachedToken();
    const res = await postForm(server.url, `/oauth/v2/token/revoke?token=${access}`, {});
    expect(res.body).toEqual({ status: 'success' });
    expect(await userInfo(server.url, access)).toBe(401);
  });

  it('R15.6: revoking the refresh token (RFC 7009) refuses its cached access token at once', async () => {
    const { client, access, refresh } = await cachedToken();
    const res = await postForm(server.url, '/oauth/v2/revoke', {
      token: refresh,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    });
    expect(res.status).toBe(200);
    expect(await userInfo(server.url, access)).toBe(401);
  });

  it('R15.6: removing the app under Connected apps refuses its cached token at once', async () => {
    const { client, access, t } = await cachedToken();
    const page = await (await t.browser.get('/account/connected-apps')).text();
    const res = await t.browser.post(`/account/connected-apps/${client.clientId}/revoke`, {
      _csrf: hiddenField(page, '_csrf'),
    });
    expect(res.status).toBe(303);
    expect(await userInfo(server.url, access)).toBe(401);
  });

  it('R15.6: deleting the client (admin API) refuses its cached token at once', async () => {
    const { client, access } = await cachedToken();
    const { key } = await createAdminKey(server.store, 'cache', server.now());
    const res = await fetch(`${server.url}/admin/api/clients/${client.clientId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    expect(await userInfo(server.url, access)).toBe(401);
  });

  it('R15.6: disabling the user refuses their cached token at once', async () => {
    const { access, t } = await cachedToken();
    const user = await server.store.findUserByEmail(t.user.email);
    expect(await server.store.setUserDisabled(user!.zuid, true)).toBe(true);
    expect(await userInfo(server.url, access)).toBe(401);
  });

  it('R15.6: an access token evicted by the cap of R5.3 is refused at once', async () => {
    const capped = await startServer(kind, {
      tokenCacheTtl: 300,
      throttle: false,
      accessTokensPerRefresh: 1,
    });
    try {
      const app = await capped.addClient();
      const t = await obtainTokens(capped, { ...app, accessType: 'offline' });
      const refreshForm = {
        grant_type: 'refresh_token',
        refresh_token: t.body.refresh_token as string,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      };
      const first = (await postForm(capped.url, '/oauth/v2/token', refreshForm)).body
        .access_token as string;
      expect(await userInfo(capped.url, first)).toBe(200);
      const second = (await postForm(capped.url, '/oauth/v2/token', refreshForm)).body
        .access_token as string;
      expect(await userInfo(capped.url, first)).toBe(401);
      expect(await userInfo(capped.url, second)).toBe(200);
    } finally {
      await capped.close();
    }
  });

  it("R15.6: a public client's refresh-token rotation refuses the old refresh token's cached access token at once", async () => {
    const app = await server.addClient({ type: 'mobile' });
    const verifier = 'v'.repeat(50);
    const redirect = await authorize(new Browser(server.url), await server.addUser(), {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      accessType: 'offline',
      codeChallenge: s256(verifier),
      codeChallengeMethod: 'S256',
    });
    const issued = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      code_verifier: verifier,
    });
    expect(issued.status).toBe(200);
    const first = issued.body.access_token as string;
    expect(await userInfo(server.url, first)).toBe(200);
    const refreshed = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token as string,
      client_id: app.clientId,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toEqual(expect.any(String));
    expect(await userInfo(server.url, first)).toBe(401);
    expect(await userInfo(server.url, refreshed.body.access_token as string)).toBe(200);
  });

  it('R15.6: a plain refresh (no rotation, under the cap) ends no token and keeps the cache', async () => {
    const { client, access, refresh } = await cachedToken();
    // Deleted behind the cache's back: served only while the cache keeps it.
    await deleteAccessTokenRow(server.store, hashSecret(access));
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    });
    expect(res.status).toBe(200);
    expect(await userInfo(server.url, access)).toBe(200);
  });

  it('R15.6: introspection uses the cache and is refused at once after revocation', async () => {
    const { client, access } = await cachedToken();
    const introspect = () =>
      postForm(server.url, '/oauth/v2/introspect', {
        token: access,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      });
    expect((await introspect()).body.active).toBe(true);
    await postForm(server.url, `/oauth/v2/token/revoke?token=${access}`, {});
    expect((await introspect()).body).toEqual({ active: false });
  });
});

const postgres = storeKinds.find((k) => k.name === 'postgres');

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');

/** Waits until `check` holds, polling every 5 ms for at most `boundMs`; returns the time taken. */
async function within(boundMs: number, check: () => Promise<boolean> | boolean): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > boundMs) throw new Error(`not within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.runIf(postgres)('R15.6 token cache across instances (PostgreSQL)', () => {
  let tg: Instances;
  let admin: pg.Client;
  beforeAll(async () => {
    tg = await startInstances(postgres!, 3, { tokenCacheTtl: 300, throttle: false });
    admin = new pg.Client({ connectionString: process.env.TEST_PG_URL });
    await admin.connect();
    // Every instance listens before the tests start.
    await within(5_000, () => tg.apps.every((a) => a.tollgate.tokenCache?.active === true));
  });
  afterAll(async () => {
    await admin.end();
    await tg.stop();
  });

  const [a, b, c] = [0, 1, 2];

  it('R15.6: a token cached on B and C, revoked through A, is refused by B and C at once (100 revocations: p50 and max)', async () => {
    const fx = await grantFixture(tg.stores[a]!);
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = await fx.exchange(tg.urls[a]!, await fx.code());
      const access = t.body.access_token as string;
      expect(await userInfo(tg.urls[b]!, access)).toBe(200);
      expect(await userInfo(tg.urls[c]!, access)).toBe(200);
      const revokedAt = performance.now();
      const res = await postForm(tg.urls[a]!, `/oauth/v2/token/revoke?token=${access}`, {});
      expect(res.body).toEqual({ status: 'success' });
      // Refused by A at once; by B and C as soon as NOTIFY arrives (bounded at 1 s).
      expect(await userInfo(tg.urls[a]!, access)).toBe(401);
      await within(1_000, async () => (await userInfo(tg.urls[b]!, access)) === 401);
      await within(1_000, async () => (await userInfo(tg.urls[c]!, access)) === 401);
      latencies.push(performance.now() - revokedAt);
    }
    latencies.sort((x, y) => x - y);
    const p50 = latencies[49]!;
    const max = latencies[99]!;
    console.log(
      `R15.6 revocation seen by two other instances: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms (100 revocations, each including three HTTP calls)`,
    );
    expect(max).toBeLessThan(1_000);
  });

  it('R15.6: a client deleted by the CLI (another process) is heard by every instance through NOTIFY', async () => {
    const fx = await grantFixture(tg.stores[a]!);
    const access = (await fx.exchange(tg.urls[a]!, await fx.code())).body.access_token as string;
    expect(await userInfo(tg.urls[b]!, access)).toBe(200);
    expect(await userInfo(tg.urls[c]!, access)).toBe(200);
    const cli = spawnSync(
      process.execPath,
      [BIN, 'client', 'delete', '--db', tg.location, '--client-id', fx.client.clientId],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    await within(1_000, async () => (await userInfo(tg.urls[b]!, access)) === 401);
    await within(1_000, async () => (await userInfo(tg.urls[c]!, access)) === 401);
  });

  it("R15.6: an instance does not hear its own NOTIFY again (its listeners were told in process); another's it does", async () => {
    const fx = await grantFixture(tg.stores[a]!);
    const access = (await fx.exchange(tg.urls[a]!, await fx.code())).body.access_token as string;
    const heard: string[] = [];
    const stop = tg.stores[a]!.subscribeRevocations({
      revoked: () => heard.push('revoked'),
      listening: (up) => heard.push(up ? 'up' : 'down'),
    });
    try {
      await within(5_000, () => heard.includes('up'));
      heard.length = 0;
      const res = await postForm(tg.urls[a]!, `/oauth/v2/token/revoke?token=${access}`, {});
      expect(res.body).toEqual({ status: 'success' });
      expect(heard).toEqual(['revoked']);
      // A NOTIFY from another connection, committed after A's: delivered after A's own would be.
      await admin.query(`select pg_notify('tollgate_revocations', $1)`, [tg.schema]);
      await within(1_000, () => heard.length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard).toEqual(['revoked', 'revoked']);
    } finally {
      await stop();
    }
  });

  it('R15.6: the token really is cached on B: deleting its row without a signal leaves B accepting it', async () => {
    const fx = await grantFixture(tg.stores[a]!);
    const access = (await fx.exchange(tg.urls[a]!, await fx.code())).body.access_token as string;
    expect(await userInfo(tg.urls[b]!, access)).toBe(200);
    await deleteAccessTokenRow(tg.stores[a]!, hashSecret(access));
    expect(await userInfo(tg.urls[b]!, access)).toBe(200);
    expect(await userInfo(tg.urls[c]!, access)).toBe(401);
  });

  it('R15.6: with its listening connection killed, B bypasses its cache; after it reconnects, revocations reach it again', async () => {
    const fx = await grantFixture(tg.stores[a]!);
    const access = (await fx.exchange(tg.urls[a]!, await fx.code())).body.access_token as string;
    expect(await userInfo(tg.urls[b]!, access)).toBe(200);
    // Kill every listener of this schema (pg_terminate_backend), as a network cut would.
    const killed = await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`,
      [`tollgate-revocations:${tg.schema}`],
    );
    expect(killed.rowCount).toBe(3);
    await within(2_000, () => tg.apps[b]!.tollgate.tokenCache?.active === false);
    // Revoked with no signal anyone could hear: B, deaf, reads the store and refuses it at once.
    await deleteAccessTokenRow(tg.stores[a]!, hashSecret(access));
    expect(await userInfo(tg.urls[b]!, access)).toBe(401);

    // B reconnects by itself and caches again; a revocation through A reaches it at once.
    await within(10_000, () => tg.apps.every((x) => x.tollgate.tokenCache?.active === true));
    const again = (await fx.exchange(tg.urls[a]!, await fx.code())).body.access_token as string;
    expect(await userInfo(tg.urls[b]!, again)).toBe(200);
    expect(tg.apps[b]!.tollgate.tokenCache?.size).toBeGreaterThan(0);
    await postForm(tg.urls[a]!, `/oauth/v2/token/revoke?token=${again}`, {});
    const ms = await within(1_000, async () => (await userInfo(tg.urls[b]!, again)) === 401);
    expect(ms).toBeLessThan(1_000);
  });
});
