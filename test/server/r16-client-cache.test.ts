/**
 * SPEC R16 with R15.6: client authentication reads its client through the validated-token cache
 * (`--token-cache-ttl`), and a changed client is seen at once: every store operation that writes
 * a client row (secret rotation, deletion, edits by the admin API, RFC 7592 or the console) empties
 * the cache of its process before it answers, of every other instance on PostgreSQL
 * (LISTEN/NOTIFY), and of a server on the same SQLite file as the CLI (PRAGMA data_version).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminKey } from '../../src/core/admin-keys.ts';
import { parseConfig } from '../../src/core/config.ts';
import { hashSecret } from '../../src/core/ids.ts';
import { buildApp } from '../../src/server/app.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/types.ts';
import { grantFixture, startInstances, type Instances } from '../helpers/instances.ts';
import { call, register, WEB_APP } from '../helpers/registration.ts';
import { postForm, startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');
const CONFIG = { profile: 'rfc', tokenCacheTtl: 300, throttle: false } as const;

interface App {
  clientId: string;
  clientSecret: string;
}

/** Introspects a made-up token with HTTP Basic: 200 {active:false} once the client is accepted. */
async function introspect(url: string, app: App): Promise<{ status: number; error?: string }> {
  const basic = Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64');
  const res = await fetch(`${url}/oauth/v2/introspect`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'token=not-a-token',
  });
  const body = (await res.json()) as { active?: boolean; error?: string };
  if (res.status === 200) expect(body).toEqual({ active: false });
  return { status: res.status, ...(body.error === undefined ? {} : { error: body.error }) };
}

/** A pushed authorization request (RFC 9126): checks the redirect URI against the client's. */
async function push(url: string, app: App, redirectUri: string): Promise<number> {
  const res = await postForm(url, '/oauth/v2/par', {
    client_id: app.clientId,
    client_secret: app.clientSecret,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'AaaServer.profile.READ',
  });
  return res.status;
}

async function adminCall(
  url: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/admin/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Changes a client's secret hash behind every cache's back (no signal). */
async function setSecretHashUnsignalled(store: Store, clientId: string, secret: string) {
  await sql`update clients set secret_hash = ${hashSecret(secret)} where client_id = ${clientId}`.execute(
    (store as KyselyStore).db,
  );
}

describe.each(storeKinds)('R16 client cache in one process on $name', (kind) => {
  let server: TestServer;
  let adminKey: string;
  beforeAll(async () => {
    server = await startServer(kind, { ...CONFIG, registration: 'open' });
    adminKey = (await createAdminKey(server.store, 'client-cache', server.now())).key;
  });
  afterAll(() => server.close());

  it("R16: an authenticated client is cached: its secret changed behind the cache's back is not read again until the TTL ends", async () => {
    const app = await server.addClient();
    expect((await introspect(server.url, app)).status).toBe(200);
    await setSecretHashUnsignalled(server.store, app.clientId, 'changed-behind-the-back');
    expect((await introspect(server.url, app)).status).toBe(200);
    server.advance(301_000);
    expect(await introspect(server.url, app)).toEqual({ status: 401, error: 'invalid_client' });
    const changed = { clientId: app.clientId, clientSecret: 'changed-behind-the-back' };
    expect((await introspect(server.url, changed)).status).toBe(200);
  });

  it('R16, R15.6: a regenerated secret (admin API) is refused on the very next call, the new one accepted', async () => {
    const app = await server.addClient();
    expect((await introspect(server.url, app)).status).toBe(200);
    const rotated = await adminCall(
      server.url,
      adminKey,
      'POST',
      `/clients/${app.clientId}/rotate-secret`,
    );
    expect(rotated.status).toBe(200);
    expect(await introspect(server.url, app)).toEqual({ status: 401, error: 'invalid_client' });
    const fresh = { clientId: app.clientId, clientSecret: String(rotated.body.client_secret) };
    expect((await introspect(server.url, fresh)).status).toBe(200);
  });

  it('R16, R15.6: introspection by a cached client answers invalid_client at once after the client is deleted (admin API)', async () => {
    const app = await server.addClient();
    expect((await introspect(server.url, app)).status).toBe(200);
    const deleted = await adminCall(server.url, adminKey, 'DELETE', `/clients/${app.clientId}`);
    expect(deleted.status).toBe(200);
    expect(await introspect(server.url, app)).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('R16: a client edited by the admin API (redirect URIs) is seen on the very next call', async () => {
    const app = await server.addClient();
    const old = 'https://app.example.com/callback';
    const next = 'https://app.example.com/new-callback';
    expect(await push(server.url, app, old)).toBe(201);
    const edited = await adminCall(server.url, adminKey, 'PATCH', `/clients/${app.clientId}`, {
      redirect_uris: [next],
    });
    expect(edited.status).toBe(200);
    expect(await push(server.url, app, old)).toBe(400);
    expect(await push(server.url, app, next)).toBe(201);
  });

  it('R16: a client updated through RFC 7592 (redirect URIs) is seen on the very next call; deleted through it, refused at once', async () => {
    const registered = await register(server, WEB_APP);
    expect(registered.status).toBe(201);
    const app = {
      clientId: String(registered.body.client_id),
      clientSecret: String(registered.body.client_secret),
    };
    const token = String(registered.body.registration_access_token);
    const uri = String(registered.body.registration_client_uri);
    const old = WEB_APP.redirect_uris[0]!;
    const next = 'https://notes.example.com/other-callback';
    expect(await push(server.url, app, old)).toBe(201);
    const updated = await call(server, 'PUT', uri, {
      token,
      body: { ...WEB_APP, client_id: app.clientId, redirect_uris: [next] },
    });
    expect(updated.status).toBe(200);
    expect(await push(server.url, app, old)).toBe(400);
    expect(await push(server.url, app, next)).toBe(201);
    expect((await call(server, 'DELETE', uri, { token })).status).toBe(204);
    expect(await introspect(server.url, app)).toEqual({ status: 401, error: 'invalid_client' });
  });
});

describe('R16 client cache beside the CLI on one SQLite file', () => {
  const sqlite = storeKinds.find((k) => k.name === 'sqlite')!;
  let location: string;
  let cleanup: () => Promise<void>;
  let store: Store;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ location, cleanup } = await sqlite.location());
    store = await openStore(location);
    const app = await buildApp(parseConfig({ logLevel: 'silent', ...CONFIG }), store);
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    close = async () => {
      await app.close();
      await store.close();
      await cleanup();
    };
  });
  afterAll(() => close());

  const cli = (...args: string[]) => {
    const run = spawnSync(process.execPath, [BIN, 'client', ...args, '--db', location, '--json'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };

  it('R16, R15.6: a secret rotated and a client deleted by the CLI (another process) are seen on the very next call', async () => {
    const fx = await grantFixture(store);
    const app = { clientId: fx.client.clientId, clientSecret: fx.clientSecret };
    expect((await introspect(url, app)).status).toBe(200);
    const rotated = cli('rotate-secret', '--client-id', app.clientId);
    expect(await introspect(url, app)).toEqual({ status: 401, error: 'invalid_client' });
    const fresh = { clientId: app.clientId, clientSecret: String(rotated.client_secret) };
    expect((await introspect(url, fresh)).status).toBe(200);
    cli('delete', '--client-id', app.clientId);
    expect(await introspect(url, fresh)).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('R16: a client edited by a second store on the same file is seen on the very next call', async () => {
    const fx = await grantFixture(store);
    const app = { clientId: fx.client.clientId, clientSecret: fx.clientSecret };
    const old = fx.client.redirectUris[0]!;
    const next = 'https://multi.example.com/other-callback';
    expect(await push(url, app, old)).toBe(201);
    const second = await openStore(location);
    try {
      expect(await second.updateClient(app.clientId, { redirectUris: [next] })).toBeDefined();
    } finally {
      await second.close();
    }
    expect(await push(url, app, old)).toBe(400);
    expect(await push(url, app, next)).toBe(201);
  });
});

const postgres = storeKinds.find((k) => k.name === 'postgres');

/** Waits until `check` holds, polling every 5 ms for at most `boundMs`. */
async function within(boundMs: number, check: () => Promise<boolean>): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > boundMs) throw new Error(`not within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.runIf(postgres)('R16 client cache across instances (PostgreSQL)', () => {
  let tg: Instances;
  let adminKey: string;
  beforeAll(async () => {
    tg = await startInstances(postgres!, 2, CONFIG);
    adminKey = (await createAdminKey(tg.stores[0]!, 'client-cache', Date.now())).key;
    await within(5_000, async () => tg.apps.every((a) => a.tollgate.tokenCache?.active === true));
  });
  afterAll(() => tg.stop());

  it("R16: the client really is cached on B: its secret changed without a signal is still accepted there, and refused by A's next read", async () => {
    const fx = await grantFixture(tg.stores[0]!);
    const app = { clientId: fx.client.clientId, clientSecret: fx.clientSecret };
    expect((await introspect(tg.urls[1]!, app)).status).toBe(200);
    await setSecretHashUnsignalled(tg.stores[0]!, app.clientId, 'changed-behind-the-back');
    expect((await introspect(tg.urls[1]!, app)).status).toBe(200);
    expect((await introspect(tg.urls[0]!, app)).status).toBe(401);
  });

  it('R16, R15.6: a secret rotated and a client edited through A are seen by B as soon as NOTIFY arrives; a deletion by the CLI too', async () => {
    const fx = await grantFixture(tg.stores[0]!);
    const app = { clientId: fx.client.clientId, clientSecret: fx.clientSecret };
    const [a, b] = tg.urls as [string, string];
    expect((await introspect(b, app)).status).toBe(200);
    const rotated = await adminCall(a, adminKey, 'POST', `/clients/${app.clientId}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect((await introspect(a, app)).status).toBe(401);
    await within(1_000, async () => (await introspect(b, app)).status === 401);
    const fresh = { clientId: app.clientId, clientSecret: String(rotated.body.client_secret) };

    const old = fx.client.redirectUris[0]!;
    const next = 'https://multi.example.com/other-callback';
    expect(await push(b, fresh, old)).toBe(201);
    const edited = await adminCall(a, adminKey, 'PATCH', `/clients/${app.clientId}`, {
      redirect_uris: [next],
    });
    expect(edited.status).toBe(200);
    await within(1_000, async () => (await push(b, fresh, old)) === 400);
    expect(await push(b, fresh, next)).toBe(201);

    const cli = spawnSync(
      process.execPath,
      [BIN, 'client', 'delete', '--db', tg.location, '--client-id', app.clientId],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    await within(1_000, async () => (await introspect(b, fresh)).status === 401);
    expect(await introspect(b, fresh)).toEqual({ status: 401, error: 'invalid_client' });
  });
});
