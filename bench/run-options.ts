/**
 * `npm run bench`'s command line (see bench/run.ts for the flags) and where each run's store
 * lives: a temporary SQLite file, or a random PostgreSQL schema dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parsePostgresUrl } from '../src/store/open-store.ts';
import { CASES, caseById, type CaseId } from './cases.ts';

const ROOT = resolve(import.meta.dirname, '..');

export type StoreKind = 'sqlite' | 'postgres';

export interface RunOptions {
  quick: boolean;
  connections: number;
  warmup: number;
  duration: number;
  sizes: number[];
  scale: boolean;
  stores: StoreKind[];
  cases: CaseId[];
  logLevel: string;
  cpuProf: boolean;
  outDir: string;
  docs: boolean;
  render: string | undefined;
  /** Run Tollgate with `--emulator` (its request log on every request), to measure what it costs. */
  emulator: boolean;
  /** Pin the servers and the load generator to separate CPUs with `taskset` (`--no-pin`: do not). */
  pin: boolean;
}

function parseSize(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(raw.trim());
  if (!match?.[1]) throw new Error(`Bad size '${raw}': use e.g. 10k, 1m, 250000.`);
  const unit = match[2]?.toLowerCase();
  return Math.round(Number(match[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1));
}

export function parseOptions(argv: string[]): RunOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      connections: { type: 'string', default: '50' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      sizes: { type: 'string' },
      'skip-scale': { type: 'boolean', default: false },
      stores: { type: 'string' },
      cases: { type: 'string' },
      'log-level': { type: 'string', default: 'warn' },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string' },
      'no-docs': { type: 'boolean', default: false },
      render: { type: 'string' },
      emulator: { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick ?? false;
  const pgUrl = process.env.TEST_PG_URL;
  const stores = (values.stores?.split(',') ??
    (pgUrl ? ['sqlite', 'postgres'] : ['sqlite'])) as StoreKind[];
  for (const s of stores) {
    if (s !== 'sqlite' && s !== 'postgres') throw new Error(`Unknown store '${s}'.`);
    if (s === 'postgres' && !pgUrl) throw new Error('--stores postgres needs TEST_PG_URL.');
  }
  const caseIds = (values.cases?.split(',') ?? CASES.map((c) => c.id)) as CaseId[];
  for (const id of caseIds) caseById(id);
  const outDir = values.out
    ? resolve(values.out)
    : quick
      ? mkdtempSync(join(tmpdir(), 'tollgate-bench-'))
      : join(ROOT, 'bench/results');
  return {
    quick,
    connections: Number(values.connections),
    warmup: Number(values.warmup ?? (quick ? 1 : 3)),
    duration: Number(values.duration ?? (quick ? 1 : 10)),
    sizes: (values.sizes ?? (quick ? '1k,10k' : '10k,1m,10m'))
      .split(',')
      .map(parseSize)
      .sort((a, b) => a - b),
    scale: !(values['skip-scale'] ?? false),
    stores,
    cases: caseIds,
    logLevel: values['log-level'] ?? 'warn',
    cpuProf: values['cpu-prof'] ?? false,
    outDir,
    // Only a full run rewrites BENCHMARKS.md: a run of some cases, stores or sizes, or one that
    // writes elsewhere, would replace the whole table with part of it.
    docs:
      !(values['no-docs'] ?? false) &&
      !quick &&
      values.out === undefined &&
      values.cases === undefined &&
      values.stores === undefined &&
      values.sizes === undefined &&
      !(values['skip-scale'] ?? false),
    render: values.render,
    emulator: values.emulator ?? false,
    pin: !(values['no-pin'] ?? false),
  };
}

// ---- store locations ----

export interface Location {
  location: string;
  cleanup(): Promise<void>;
}

export async function createLocation(kind: StoreKind): Promise<Location> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
    return {
      location: join(dir, 'tollgate.db'),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = process.env.TEST_PG_URL ?? '';
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return {
    location: url.toString(),
    async cleanup() {
      const client = new pg.Client({
        connectionString: parsePostgresUrl(url.toString()).connectionString,
      });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
