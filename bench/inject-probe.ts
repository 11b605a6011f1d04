/**
 * In-process probe of a hot path's CPU cost beside a bare Fastify route, through `app.inject`
 * (no sockets): what Tollgate adds on top of Fastify, stable on a busy machine.
 * Usage: node --import tsx bench/inject-probe.ts [userinfo|introspect] [requests]
 */
import Fastify from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/core/config.ts';
import { buildApp } from '../src/server/app.ts';
import { openStore } from '../src/store/open-store.ts';
import { seedFixtures } from './load-tokens.ts';

const which = process.argv[2] ?? 'userinfo';
const n = Number(process.argv[3] ?? 20000);
const dir = mkdtempSync(join(tmpdir(), 'probe-'));
const store = await openStore(join(dir, 'p.db'));
const fx = await seedFixtures(
  store,
  { users: 10, refreshPerUser: 1, accessTokens: 200 },
  Date.now(),
);
const cacheTtl = Number(process.env.CACHE_TTL ?? 60);
const app = await buildApp(
  parseConfig({
    logLevel: 'warn',
    port: 0,
    throttle: false,
    profile: 'rfc',
    tokenCacheTtl: cacheTtl,
  }),
  store,
);
const bare = Fastify({ logger: { level: 'warn' } });
bare.get('/x', async () => ({ ok: true, n: 1 }));
await bare.ready();
await app.ready();

const basic = `Basic ${Buffer.from(`${fx.clientId}:${fx.clientSecret}`).toString('base64')}`;
async function one(i: number): Promise<number> {
  const token = fx.accessTokens[i % fx.accessTokens.length] as string;
  if (which === 'introspect') {
    const r = await app.inject({
      method: 'POST',
      url: '/oauth/v2/introspect',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${token}`,
    });
    return r.statusCode;
  }
  const r = await app.inject({
    method: 'GET',
    url: '/oauth/user/info',
    headers: { authorization: `Zoho-oauthtoken ${token}` },
  });
  return r.statusCode;
}
async function measure(label: string, run: (i: number) => Promise<number>): Promise<number> {
  for (let i = 0; i < 2000; i++) await run(i);
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const status = await run(i);
    if (status !== 200) throw new Error(`${label}: status ${status}`);
  }
  const used = process.cpuUsage(start);
  const us = (used.user + used.system) / n;
  console.log(`${label.padEnd(12)} ${us.toFixed(1)} µs CPU/request`);
  return us;
}
const rounds = Number(process.env.ROUNDS ?? 3);
for (let r = 0; r < rounds; r++) {
  const b = await measure(
    'bare GET',
    async () => (await bare.inject({ method: 'GET', url: '/x' })).statusCode,
  );
  const t = await measure(which, one);
  console.log(`  difference ${(t - b).toFixed(1)} µs`);
}
await app.close();
await bare.close();
await store.close();
