/**
 * In-process probe of the hot paths' CPU cost on either store, through `app.inject` (no
 * sockets): the Node process's CPU per request, stable on a busy machine (the database's own CPU
 * is not counted). `PROBE_DB` selects the store (a postgres:// URL, given a fresh schema, or
 * SQLite in a temporary folder by default); `PROBE_CONCURRENCY` requests run at once (default 50,
 * as the bench's connections, so group commit batches as under load).
 * Usage: node --import tsx bench/store-probe.ts userinfo|introspect|refresh|exchange [requests]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/core/config.ts';
import { buildApp } from '../src/server/app.ts';
import { openStore } from '../src/store/open-store.ts';
import { sql } from 'kysely';
import pg from 'pg';
import { REDIRECT_URI, kyselyOf, mintCodes, seedFixtures } from './load-tokens.ts';
import { startUsage } from './machine-usage.ts';

// Every statement sent to PostgreSQL, counted (round trips per request: a stable figure).
let statements = 0;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
  this: unknown,
  ...args: unknown[]
) {
  statements++;
  return query.apply(this, args);
};

const which = process.argv[2] ?? 'userinfo';
const n = Number(process.argv[3] ?? 5000);
const concurrency = Number(process.env.PROBE_CONCURRENCY ?? 50);
const db = process.env.PROBE_DB;
const schema = `probe_${process.pid}`;
const location = db
  ? `${db}${db.includes('?') ? '&' : '?'}schema=${schema}`
  : join(mkdtempSync(join(tmpdir(), 'probe-')), 'p.db');
const store = await openStore(location, { poolSize: 10 });
const fx = await seedFixtures(store, { users: 50, refreshPerUser: 10, accessTokens: 1000 });
const app = await buildApp(
  parseConfig({
    logLevel: 'warn',
    port: 0,
    throttle: false,
    profile: 'rfc',
    tokenCacheTtl: Number(process.env.CACHE_TTL ?? 0),
    groupCommit: process.env.GROUP_COMMIT === 'off' ? 'off' : 'on',
  }),
  store,
);
await app.ready();

const basic = `Basic ${Buffer.from(`${fx.clientId}:${fx.clientSecret}`).toString('base64')}`;
const form = 'application/x-www-form-urlencoded';
// Single-use codes for the exchange: enough for the warm-up and every round.
const codes =
  which === 'exchange'
    ? await mintCodes(store, fx, Math.min(1000, n) + n * Number(process.env.ROUNDS ?? 3))
    : [];
let nextCode = 0;
async function one(i: number): Promise<number> {
  if (which === 'exchange') {
    const code = codes[nextCode++] as string;
    const r = await app.inject({
      method: 'POST',
      url: '/oauth/v2/token',
      headers: { 'content-type': form },
      payload: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: fx.clientId,
        client_secret: fx.clientSecret,
        redirect_uri: REDIRECT_URI,
        code,
      }).toString(),
    });
    return r.statusCode;
  }
  if (which === 'refresh') {
    const token = fx.refreshTokens[i % fx.refreshTokens.length] as string;
    const r = await app.inject({
      method: 'POST',
      url: '/oauth/v2/token',
      headers: { 'content-type': form },
      payload: `grant_type=refresh_token&client_id=${fx.clientId}&client_secret=${fx.clientSecret}&refresh_token=${token}`,
    });
    return r.statusCode;
  }
  const token = fx.accessTokens[i % fx.accessTokens.length] as string;
  const r =
    which === 'introspect'
      ? await app.inject({
          method: 'POST',
          url: '/oauth/v2/introspect',
          headers: { authorization: basic, 'content-type': form },
          payload: `token=${token}`,
        })
      : await app.inject({
          method: 'GET',
          url: '/oauth/user/info',
          headers: { authorization: `Zoho-oauthtoken ${token}` },
        });
  return r.statusCode;
}

async function measure(
  count: number,
): Promise<{ cpu: number; wall: number; sent: number; pgCpu: number | null }> {
  let next = 0;
  const before = statements;
  const stopUsage = startUsage();
  const start = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const status = await one(next++);
        if (status !== 200) throw new Error(`${which}: status ${status}`);
      }
    }),
  );
  const used = process.cpuUsage(start);
  const pgUs = stopUsage().postgresUs;
  return {
    pgCpu: pgUs === null ? null : pgUs / count,
    cpu: (used.user + used.system) / count,
    wall: (performance.now() - t0) / count,
    sent: (statements - before) / count,
  };
}
await measure(Math.min(1000, n));
for (let r = 0; r < Number(process.env.ROUNDS ?? 3); r++) {
  const { cpu, wall, sent, pgCpu } = await measure(n);
  const pgPart = db && pgCpu !== null ? ` (PostgreSQL ${pgCpu.toFixed(0)} µs)` : '';
  console.log(
    `${which} (${db ? 'postgres' : 'sqlite'}, ${concurrency} at once) ${cpu.toFixed(1)} µs CPU/req${pgPart}, ${(1e6 / 1000 / wall).toFixed(0)} req/s, ${sent.toFixed(2)} statements/req`,
  );
}
await app.close();
// PROBE_KEEP=1 keeps the PostgreSQL schema, to look at its tables and plans afterwards.
if (db && !process.env.PROBE_KEEP)
  await sql.raw(`drop schema ${schema} cascade`).execute(kyselyOf(store));
else if (db) console.log(`kept schema ${schema}`);
await store.close();
