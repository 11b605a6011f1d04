/**
 * Load figure of issue 5: requests/s of an authorized `GET /api/v2/zylker/operators` in local
 * mode, without and with the validation cache (`--token-cache-ttl`), next to a bare Fastify
 * route on the same machine. Each server runs in its own process with log level warn; load is
 * autocannon, 50 connections for 10 s per run (override with --connections / --duration /
 * --rounds).
 *
 * Usage: `node --import tsx bench/resource-api.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { DEMO_EMAIL } from '../src/cli/demo.ts';
import { registerConfidentialClient } from '../src/core/registration.ts';
import { openStore } from '../src/store/open-store.ts';
import { startServer, type ServerProcess } from './server-process.ts';
import { buildServers } from './build.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '1' },
  },
});
const connections = Number(values.connections);
const duration = Number(values.duration);

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The machine's 1-minute load average when the run started: other work skews the figures. */
  load: number;
}

async function load(name: string, url: string, headers: Record<string, string> = {}): Promise<Row> {
  const before = loadavg()[0] ?? 0;
  const result = await autocannon({ url, connections, duration, headers });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    load: before,
  };
}

async function waitForDemo(server: ServerProcess, token: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${server.url}/api/v2/zylker/operators`, {
      headers: { authorization: `Zoho-oauthtoken ${token}` },
    });
    const body = (await res.json()) as { data?: unknown };
    if (Array.isArray(body.data)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the demo portal did not appear');
}

// Compiled JavaScript, as users run it (bench/build.ts).
const servers = buildServers();
const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-api-'));
const db = join(dir, 'tollgate.db');
const tollgateArgs = [
  'serve',
  '--db',
  db,
  '--port',
  '0',
  '--log-level',
  'warn',
  '--no-throttle',
  '--demo',
];
const rows: Row[] = [];
try {
  // First start: creates the demo user, app and portal; then a self client mints the token.
  const first = await startServer(servers.tollgate, tollgateArgs);
  let token = '';
  try {
    for (let i = 0; i < 100 && token === ''; i++) {
      const store = await openStore(db);
      const user = await store.findUserByEmail(DEMO_EMAIL);
      if (user) {
        const { client, clientSecret } = await registerConfidentialClient(
          store,
          { name: 'Bench', domain: 'https://bench.example', redirectUris: [], type: 'self' },
          user.zuid,
          Date.now(),
        );
        const res = await fetch(`${first.url}/oauth/v2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            soid: 'ZohoSalesIQ.600123434',
            client_id: client.clientId,
            client_secret: clientSecret,
            scope: 'SalesIQ.operators.READ',
          }),
        });
        token = ((await res.json()) as { access_token: string }).access_token;
      }
      await store.close();
      if (token === '') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await waitForDemo(first, token);
  } finally {
    await first.stop();
  }
  const headers = { authorization: `Zoho-oauthtoken ${token}` };

  for (let round = 0; round < Number(values.rounds); round++) {
    const bare = await startServer(servers.baseline, ['--log-level', 'warn']);
    try {
      rows.push(await load('bare Fastify route (GET /baseline/get)', `${bare.url}/baseline/get`));
    } finally {
      await bare.stop();
    }
    for (const [name, extra] of [
      ['local mode, no validation cache', ['--token-cache-ttl', '0']],
      ['local mode, validation cache 30 s', ['--token-cache-ttl', '30']],
    ] as const) {
      const server = await startServer(servers.tollgate, [...tollgateArgs, ...extra]);
      try {
        await waitForDemo(server, token);
        rows.push(await load(name, `${server.url}/api/v2/zylker/operators`, headers));
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

process.stdout.write(
  `\nautocannon, ${connections} connections, ${duration} s per run, Node ${process.version}\n\n`,
);
process.stdout.write(
  '| server | requests/s | p50 ms | p99 ms | non-2xx/errors | load average |\n|---|---:|---:|---:|---:|---:|\n',
);
for (const r of rows)
  process.stdout.write(
    `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.load.toFixed(1)} |\n`,
  );
