/**
 * SPEC R15.2: with --metrics, GET /metrics serves Prometheus text; the counters move by exactly
 * what known requests did. Without it, /metrics is 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { storeKinds, withStoreOptions } from '../helpers/stores.ts';
import {
  Browser,
  obtainTokens,
  postForm,
  signIn,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

/** Scrapes /metrics over HTTP and reads one sample (0 when the series does not exist yet). */
async function scrape(server: TestServer): Promise<(series: string) => number> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return (series) => samples.get(series) ?? 0;
}

const TOKEN_200 =
  'tollgate_http_requests_total{route="/oauth/v2/token",method="POST",status="200"}';

describe.each(storeKinds)('R15.2 metrics on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { metrics: true, refreshMintLimit: 3, janitorInterval: 1 });
  });
  afterAll(async () => {
    await server.close();
  });

  const refresh = (app: { clientId: string; clientSecret: string }, token: string) =>
    postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: token,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });

  it('R15.2: three refresh grants add exactly 3 to tokens minted {grant="refresh_token"}, a fourth is throttled (+1)', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
    expect(tokens.status).toBe(200);
    const before = await scrape(server);
    for (let i = 0; i < 3; i++) {
      const res = await refresh(app, tokens.body.refresh_token as string);
      expect(res.status).toBe(200);
      expect(typeof res.body.access_token).toBe('string');
    }
    const throttledAnswer = await refresh(app, tokens.body.refresh_token as string);
    // The zoho profile answers a throttle with HTTP 200 "Access Denied" (SPEC R0).
    expect(throttledAnswer.status).toBe(200);
    expect(throttledAnswer.body.error).toBe('Access Denied');
    const after = await scrape(server);
    const delta = (series: string) => after(series) - before(series);
    expect(delta('tollgate_tokens_minted_total{grant="refresh_token"}')).toBe(3);
    expect(delta('tollgate_tokens_minted_total{grant="authorization_code"}')).toBe(0);
    expect(delta('tollgate_throttled_total{route="/oauth/v2/token"}')).toBe(1);
    // Four answers of HTTP 200: three token responses and the zoho-style throttle.
    expect(delta(TOKEN_200)).toBe(4);
    expect(
      delta('tollgate_http_request_duration_seconds_count{route="/oauth/v2/token",method="POST"}'),
    ).toBe(4);
  });

  it('R15.2: a code exchange counts under grant="authorization_code"', async () => {
    const app = await server.addClient();
    const before = await scrape(server);
    const tokens = await obtainTokens(server, app);
    expect(tokens.status).toBe(200);
    const after = await scrape(server);
    expect(
      after('tollgate_tokens_minted_total{grant="authorization_code"}') -
        before('tollgate_tokens_minted_total{grant="authorization_code"}'),
    ).toBe(1);
  });

  it('R15.2: requests are labelled by route pattern, never by raw URL', async () => {
    const before = await scrape(server);
    const secretish = 'abc123secretish';
    // The zoho profile answers token-endpoint errors with HTTP 200 (SPEC R0).
    expect((await fetch(`${server.url}/oauth/v2/token?code=${secretish}`)).status).toBe(200);
    expect((await fetch(`${server.url}/no/such/${secretish}`)).status).toBe(404);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).not.toContain(secretish);
    const after = await scrape(server);
    expect(
      after('tollgate_http_requests_total{route="/oauth/v2/token",method="GET",status="200"}') -
        before('tollgate_http_requests_total{route="/oauth/v2/token",method="GET",status="200"}'),
    ).toBe(1);
    expect(
      after('tollgate_http_requests_total{route="unmatched",method="GET",status="404"}') -
        before('tollgate_http_requests_total{route="unmatched",method="GET",status="404"}'),
    ).toBe(1);
  });

  it('R15.2: a throttled sign-in counts once under route="/login"', async () => {
    const strict = await startServer(kind, { metrics: true, loginLimit: 2 });
    try {
      const user = await strict.addUser();
      for (let i = 0; i < 2; i++)
        expect((await signIn(new Browser(strict.url), user.email, 'wrong wrong')).status).toBe(401);
      expect((await signIn(new Browser(strict.url), user.email, user.password)).status).toBe(429);
      const after = await scrape(strict);
      expect(after('tollgate_throttled_total{route="/login"}')).toBe(1);
      expect(after('tollgate_http_requests_total{route="/login",method="POST",status="401"}')).toBe(
        2,
      );
      expect(after('tollgate_http_requests_total{route="/login",method="POST",status="429"}')).toBe(
        1,
      );
    } finally {
      await strict.close();
    }
  });

  it('R15.2: the pool gauges report the store pool', async () => {
    // A server of its own: the shared one's janitor runs every second and may hold a connection
    // at the moment of the scrape. Here nothing else runs (the janitor's first pass is a minute
    // away), so an idle pool must read exactly 0 in use.
    const idle = await startServer(kind, { metrics: true });
    try {
      const read = await scrape(idle);
      expect(read('tollgate_db_pool_size')).toBe(kind.name === 'postgres' ? 10 : 1);
      expect(read('tollgate_db_pool_waiting')).toBe(0);
      expect(read('tollgate_db_pool_in_use')).toBe(0);
    } finally {
      await idle.close();
    }
  });

  it('R15.2: janitor deletions are counted by table', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, app);
    expect(tokens.status).toBe(200);
    const before = await scrape(server);
    // Past the token's hour: the next janitor pass (every second here) deletes it.
    server.advance(2 * 3600_000);
    let deleted = 0;
    for (let i = 0; i < 50 && deleted === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await scrape(server);
      deleted =
        now('tollgate_janitor_deleted_rows_total{table="access_tokens"}') -
        before('tollgate_janitor_deleted_rows_total{table="access_tokens"}');
    }
    expect(deleted).toBeGreaterThanOrEqual(1);
    const after = await scrape(server);
    expect(after('tollgate_janitor_passes_total{outcome="swept"}')).toBeGreaterThanOrEqual(1);
  });
});

const postgres = storeKinds.find((k) => k.name === 'postgres');

describe.runIf(postgres)('R15.2 store errors (PostgreSQL)', () => {
  it('R15.2: a request that runs past --db-statement-timeout (503) counts as a store error of its route', async () => {
    // A store whose statements are bounded at 200 ms, as `serve --db-statement-timeout 200` opens.
    const bounded = withStoreOptions(postgres!, { statementTimeoutMs: 200 });
    const server = await startServer(bounded, { metrics: true, dbStatementTimeout: 200 });
    // The server's schema, whose clients table another connection then holds locked.
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
      (server.store as KyselyStore).db,
    );
    const locker = new pg.Client({ connectionString: process.env.TEST_PG_URL });
    await locker.connect();
    try {
      expect(rows[0]?.schema).toMatch(/^tg_test_/);
      await locker.query('begin');
      await locker.query(`lock table "${rows[0]!.schema}".clients in access exclusive mode`);
      const before = await scrape(server);
      const res = await postForm(server.url, '/oauth/v2/token', {
        grant_type: 'refresh_token',
        refresh_token: 'x'.repeat(40),
        client_id: '1000.NOSUCHCLIENTATALL',
        client_secret: 'y'.repeat(40),
      });
      expect(res.status).toBe(503);
      await locker.query('rollback');
      const after = await scrape(server);
      expect(
        after('tollgate_store_errors_total{route="/oauth/v2/token"}') -
          before('tollgate_store_errors_total{route="/oauth/v2/token"}'),
      ).toBe(1);
      expect(
        after('tollgate_http_requests_total{route="/oauth/v2/token",method="POST",status="503"}'),
      ).toBe(1);
    } finally {
      await locker.end();
      await server.close();
    }
  });
});

describe('R15.2 metrics off', () => {
  const [kind] = storeKinds;
  it('R15.2: without --metrics, GET /metrics is 404', async () => {
    const server = await startServer(kind!);
    try {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('There is nothing at GET /metrics.');
    } finally {
      await server.close();
    }
  });

  it('R15.2: two apps in one process each count only their own requests', async () => {
    const a = await startServer(kind!, { metrics: true });
    const b = await startServer(kind!, { metrics: true });
    try {
      for (let i = 0; i < 2; i++) await fetch(`${a.url}/health`);
      await fetch(`${b.url}/health`);
      const series = 'tollgate_http_requests_total{route="/health",method="GET",status="200"}';
      expect((await scrape(a))(series)).toBe(2);
      expect((await scrape(b))(series)).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
