/**
 * The refresh grant's store work in process (SPEC R16): `findRefreshToken`, then
 * `mintAccessToken` through group commit, 50 in flight, on a bench-shaped SQLite store (the bench's
 * fixtures plus `--size` filler tokens from fill-tokens.ts, kept as a template under `--dir` and
 * copied for each run). Reports CPU µs per mint (every thread of the process), mints/s, latency
 * percentiles, RSS and the WAL's size; for comparing store changes at 10k and 1M without HTTP.
 *
 * node --import tsx bench/mint-probe.ts --size 1000000 --mints 30000 [--warm 5000] [--dir DIR]
 *   [--no-worker] (SQLite's automatic checkpoint on the request path, as before the worker)
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { openStore } from '../src/store/open-store.ts';
import { hashSecret } from '../src/core/ids.ts';
import { fillTokens } from './fill-tokens.ts';
import { seedFixtures, type Fixtures } from './load-tokens.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '10000' },
    mints: { type: 'string', default: '20000' },
    warm: { type: 'string', default: '5000' },
    dir: { type: 'string', default: join(tmpdir(), 'tollgate-mint-probe') },
    'no-worker': { type: 'boolean', default: false },
  },
});
const size = Number(values.size);
const template = join(values.dir, `t${size}`);
mkdirSync(template, { recursive: true });
const tdb = join(template, 'tollgate.db');
if (!existsSync(join(template, 'fixtures.json'))) {
  const store = await openStore(tdb);
  const fixtures = await seedFixtures(store, { users: 50, refreshPerUser: 10, accessTokens: 1000 });
  await store.close();
  await fillTokens(tdb, size);
  writeFileSync(join(template, 'fixtures.json'), JSON.stringify(fixtures));
}
const fixtures = JSON.parse(readFileSync(join(template, 'fixtures.json'), 'utf8')) as Fixtures;
const work = join(values.dir, `w${size}-${process.pid}.db`);
copyFileSync(tdb, work);

const store = await openStore(work, { checkpointWorker: !values['no-worker'] });
const hashes = fixtures.refreshTokens.map(hashSecret);
let next = 0;
const latencies: number[] = [];
async function one(): Promise<void> {
  const started = performance.now();
  const h = hashes[next++ % hashes.length] ?? '';
  const known = await store.findRefreshToken(h);
  const now = Date.now();
  const r = await store.mintAccessToken({
    now,
    refreshTokenHash: h,
    clientId: fixtures.clientId,
    access: { tokenHash: hashSecret(randomBytes(16).toString('hex')), expiresAt: now + 3600_000 },
    accessTokenCap: 20,
    throttle: null,
    rotateTo: null,
    ...(known ? { zuid: known.zuid } : {}),
  });
  if (r.outcome !== 'minted') throw new Error(r.outcome);
  latencies.push(performance.now() - started);
}
async function run(count: number): Promise<void> {
  let left = count;
  const lane = async () => {
    while (left-- > 0) await one();
  };
  await Promise.all(Array.from({ length: 50 }, lane));
}
await run(Number(values.warm));
latencies.length = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const mints = Number(values.mints);
await run(mints);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const p = (q: number) => latencies[Math.floor(q * (latencies.length - 1))]?.toFixed(1);
process.stdout.write(
  `size ${size}: ${((cpu.user + cpu.system) / mints).toFixed(1)} µs CPU/mint (user ${(cpu.user / mints).toFixed(1)}, sys ${(cpu.system / mints).toFixed(1)}), ${Math.round((mints / wall) * 1000)} mints/s, p50 ${p(0.5)} p99 ${p(0.99)} max ${p(1)} ms, RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB\n`,
);
const walMb = statSync(`${work}-wal`).size >> 20;
await store.close();
rmSync(work, { force: true });
process.stdout.write(`WAL before close: ${walMb} MB\n`);
