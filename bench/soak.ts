/**
 * `npm run soak [-- --minutes 5 --rate 50]`: mixed load at a fixed rate (every grant, user info,
 * revocation) against real `tollgate serve` processes while faults are injected in turn:
 * first half on SQLite (disk full, 1,000 idle connections with slow clients, kill -9 and
 * restart), second half on a throwaway PostgreSQL cluster (database crash and restart, idle flood,
 * kill -9 and restart). Reports answers by status, p99 latency and server RSS per second, writes
 * an SVG plot and a JSON summary to bench/results/, and fails (exit 1) if an acknowledged token or
 * revocation was lost or memory grew. Not part of CI: it takes the minutes it is given.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  countByStatus,
  Ledger,
  percentile,
  startLoad,
  verifyLedger,
  type Sample,
  type Verification,
} from '../test/faults/helpers/mixed-load.ts';
import { findPgBin, startPgCluster, type PgCluster } from '../test/faults/helpers/pg-cluster.ts';
import { seedStore, type Seed } from '../test/faults/helpers/seed.ts';
import {
  readRss,
  startTollgate,
  type TollgateProcess,
} from '../test/faults/helpers/tollgate-process.ts';
import { fillDisk, mountTmpfs } from '../test/faults/helpers/os-faults.ts';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '5' }, rate: { type: 'string', default: '50' } },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
if (!(minutes > 0) || !(rate > 0)) throw new Error('--minutes and --rate must be positive numbers');
const totalMs = minutes * 60_000;

interface Fault {
  name: string;
  from: number;
  to: number;
}
interface Second {
  t: number;
  p99: number;
  rss: number;
  ok: number;
  errors: number;
}

const faults: Fault[] = [];
const seconds: Second[] = [];
const allSamples: Sample[] = [];
const started = Date.now();
const elapsed = (): number => Date.now() - started;
const log = (line: string): void =>
  void process.stdout.write(`[${(elapsed() / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

let server: TollgateProcess | undefined;
let base = '';
/** RSS per server process lifetime, for the flat-memory check. */
const lives: { label: string; rss: { t: number; rss: number }[] }[] = [];

async function fault(name: string, run: () => Promise<void>): Promise<void> {
  const from = elapsed();
  log(`fault: ${name}`);
  await run();
  faults.push({ name, from, to: elapsed() });
}

async function until(ms: number): Promise<void> {
  const wait = ms - elapsed();
  if (wait > 0) await sleep(wait);
}

async function start(db: string, label: string): Promise<void> {
  server = await startTollgate({ db, ulimits: ['-n 8192'] });
  base = server.url;
  lives.push({ label, rss: [] });
}

async function idleFlood(durationMs: number): Promise<void> {
  const port = Number(new URL(base).port);
  const sockets: Socket[] = [];
  for (let i = 0; i < 1_000; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    sockets.push(socket);
  }
  const slow = connect(port, '127.0.0.1', () =>
    slow.write('POST /oauth/v2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 9999\r\n\r\n'),
  );
  slow.on('error', () => undefined);
  const trickle = setInterval(() => slow.writable && slow.write('x'), 500);
  await sleep(durationMs);
  clearInterval(trickle);
  for (const s of [...sockets, slow]) s.destroy();
}

/** One half of the soak: a store, its load and its faults, then the ledger check. */
async function half(
  label: string,
  db: string,
  seed: Seed,
  endAt: number,
  injections: { at: number; name: string; run: () => Promise<void> }[],
): Promise<Verification> {
  const ledger = new Ledger([...seed.codes]);
  await start(db, label);
  const load = startLoad({
    base: () => base,
    seed,
    ledger,
    rate,
    onSample: (s) => allSamples.push(s),
  });
  for (const injection of injections) {
    await until(injection.at);
    await fault(`${label}: ${injection.name}`, injection.run);
  }
  await until(endAt);
  await load.stop();
  log(
    `${label}: verifying ${ledger.liveAccess.size + ledger.liveRefresh.size} live and ${ledger.revokedAccess.size + ledger.revokedRefresh.size} revoked tokens`,
  );
  const result = await verifyLedger(base, seed, ledger);
  const exit = await server!.terminate();
  server = undefined;
  if (exit.code !== 0) throw new Error(`${label}: SIGTERM exit ${exit.code ?? exit.signal}`);
  return result;
}

const sampler = setInterval(() => {
  const t = elapsed();
  const window = allSamples.filter((s) => s.at >= started + t - 1_000 && s.at < started + t);
  const rss = server ? readRss(server.pid) : 0;
  if (server && rss > 0) lives.at(-1)?.rss.push({ t, rss });
  seconds.push({
    t,
    p99: percentile(
      window.map((s) => s.ms),
      99,
    ),
    rss,
    ok: window.filter((s) => s.status === 200).length,
    errors: window.filter((s) => s.status !== 200).length,
  });
}, 1_000);

const results: Record<string, Verification> = {};
const cleanups: (() => void)[] = [];
try {
  const mounted = mountTmpfs('64m');
  const tmpfs = 'dir' in mounted ? mounted.dir : undefined;
  const sqliteDir = tmpfs ?? mkdtempSync(join(tmpdir(), 'tollgate-soak-'));
  cleanups.push(() => {
    if (tmpfs) execFileSync('umount', [tmpfs]);
    rmSync(sqliteDir, { recursive: true, force: true });
  });
  if (!tmpfs) log('*** cannot mount a tmpfs (needs root): the disk-full fault is SKIPPED ***');
  const codes = Math.ceil((totalMs / 1000) * rate * 0.1) + 50;
  const sqliteDb = join(sqliteDir, 'tollgate.db');
  const sqliteSeed = await seedStore(sqliteDb, { users: Math.ceil(codes / 15), codes });
  const halfMs = findPgBin() ? totalMs / 2 : totalMs;
  const at = (fraction: number, offset = 0): number => offset + fraction * halfMs;
  const sqliteInjections = [
    {
      at: at(0.3),
      name: 'idle flood (1,000 connections + slow body)',
      run: () => idleFlood(0.1 * halfMs),
    },
    {
      at: at(0.8),
      name: 'kill -9 and restart',
      run: async () => {
        await server!.kill9();
        await start(sqliteDb, 'sqlite after kill -9');
      },
    },
  ];
  if (tmpfs) {
    sqliteInjections.unshift({
      at: at(0.15),
      name: 'disk full',
      run: async () => {
        const filler = fillDisk(tmpfs);
        await sleep(0.08 * halfMs);
        rmSync(filler);
      },
    });
  }
  results.sqlite = await half('sqlite', sqliteDb, sqliteSeed, halfMs, sqliteInjections);

  if (findPgBin()) {
    const cluster: PgCluster = await startPgCluster();
    cleanups.push(() => cluster.destroy());
    const pgSeed = await seedStore(cluster.url, { users: Math.ceil(codes / 15), codes });
    results.postgres = await half('postgres', cluster.url, pgSeed, totalMs, [
      {
        at: at(0.15, halfMs),
        name: 'PostgreSQL crash (stop -m immediate), then start',
        run: async () => {
          cluster.stop('immediate');
          await sleep(0.08 * halfMs);
          cluster.start();
        },
      },
      {
        at: at(0.4, halfMs),
        name: 'idle flood (1,000 connections + slow body)',
        run: () => idleFlood(0.1 * halfMs),
      },
      {
        at: at(0.8, halfMs),
        name: 'kill -9 and restart',
        run: async () => {
          await server!.kill9();
          await start(cluster.url, 'postgres after kill -9');
        },
      },
    ]);
  } else {
    log('*** PostgreSQL binaries not found: the PostgreSQL half is SKIPPED ***');
  }
} finally {
  clearInterval(sampler);
  await server?.kill9();
  for (const cleanup of cleanups.reverse()) cleanup();
}

// Flat memory: for each server life of at least a minute, the median RSS of its last quarter is
// at most 25 % (and 15 MB) above the median of its second quarter (after warm-up).
const median = (xs: number[]): number => percentile(xs, 50);
const memory = lives
  .filter((l) => l.rss.length >= 60)
  .map((l) => {
    const q = Math.floor(l.rss.length / 4);
    const warm = median(l.rss.slice(q, 2 * q).map((r) => r.rss));
    const end = median(l.rss.slice(3 * q).map((r) => r.rss));
    return {
      label: l.label,
      seconds: l.rss.length,
      warmMb: warm / 2 ** 20,
      endMb: end / 2 ** 20,
      flat: end <= Math.max(warm * 1.25, warm + 15 * 2 ** 20),
    };
  });

const byStatus = countByStatus(allSamples);
const okMs = allSamples.filter((s) => s.status === 200).map((s) => s.ms);
const summary = {
  date: new Date().toISOString(),
  minutes,
  rate,
  requests: allSamples.length,
  byStatus,
  p50Ms: Math.round(percentile(okMs, 50) * 10) / 10,
  p99Ms: Math.round(percentile(okMs, 99) * 10) / 10,
  worstMs: Math.round(Math.max(0, ...allSamples.map((s) => s.ms))),
  faults: faults.map((f) => ({
    ...f,
    errors: countByStatus(
      allSamples.filter(
        (s) => s.at - started >= f.from && s.at - started < f.to && s.status !== 200,
      ),
    ),
  })),
  ledgers: Object.fromEntries(
    Object.entries(results).map(([k, v]) => [
      k,
      {
        liveChecked: v.liveChecked,
        revokedChecked: v.revokedChecked,
        uncertain: v.uncertain,
        lost: v.lost.length,
        resurrected: v.resurrected.length,
      },
    ]),
  ),
  memory,
};

function svg(): string {
  const w = 960;
  const panel = 170;
  const left = 60;
  const width = w - left - 20;
  const x = (t: number): number => left + (t / totalMs) * width;
  const line = (top: number, values: number[], max: number, colour: string): string =>
    `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${seconds.map((s, i) => `${x(s.t).toFixed(1)},${(top + panel - ((values[i] ?? 0) / max) * panel).toFixed(1)}`).join(' ')}"/>`;
  const p99 = seconds.map((s) => s.p99);
  const rss = seconds.map((s) => s.rss / 2 ** 20);
  const err = seconds.map((s) => s.errors);
  const maxP99 = Math.max(10, ...p99);
  const maxRss = Math.max(50, ...rss);
  const maxErr = Math.max(5, ...err);
  const panels: [string, number[], number, string][] = [
    [`p99 latency per second (ms, max ${maxP99.toFixed(0)})`, p99, maxP99, '#1f6feb'],
    [`server RSS (MB, max ${maxRss.toFixed(0)})`, rss, maxRss, '#2da44e'],
    [`non-200 answers per second (max ${maxErr})`, err, maxErr, '#cf222e'],
  ];
  const shades = faults
    .map(
      (f, i) =>
        `<rect x="${x(f.from).toFixed(1)}" y="30" width="${Math.max(2, x(f.to) - x(f.from)).toFixed(1)}" height="${3 * (panel + 40)}" fill="#d4a72c" opacity="0.18"/><text x="${(x(f.from) + 2).toFixed(1)}" y="${(42 + (i % 3) * 11).toFixed(0)}" font-size="9">${f.name.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`,
    )
    .join('');
  const body = panels
    .map(([title, vs, max, colour], i) => {
      const top = 60 + i * (panel + 40);
      return `<text x="${left}" y="${top - 6}" font-size="12">${title}</text><rect x="${left}" y="${top}" width="${width}" height="${panel}" fill="none" stroke="#999"/>${line(top, vs, max, colour)}`;
    })
    .join('');
  const height = 60 + 3 * (panel + 40) + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${height}" font-family="sans-serif"><text x="${left}" y="18" font-size="14">Tollgate soak: ${minutes} min at ${rate} req/s, ${summary.requests} requests; x axis: time (${minutes} min)</text>${shades}${body}</svg>\n`;
}

const outDir = new URL('./results/', import.meta.url);
mkdirSync(outDir, { recursive: true });
writeFileSync(new URL('soak.svg', outDir), svg());
writeFileSync(new URL('soak.json', outDir), `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  `${JSON.stringify(summary, null, 2)}\nwrote bench/results/soak.svg and soak.json\n`,
);

const lost = Object.values(results).reduce((n, r) => n + r.lost.length + r.resurrected.length, 0);
const failures = [
  ...(lost > 0 ? [`${lost} acknowledged tokens or revocations lost`] : []),
  ...memory
    .filter((m) => !m.flat)
    .map((m) => `memory grew in ${m.label}: ${m.warmMb.toFixed(0)} → ${m.endMb.toFixed(0)} MB`),
];
if (failures.length > 0) {
  process.stderr.write(`SOAK FAILED: ${failures.join('; ')}\n`);
  process.exitCode = 1;
}
