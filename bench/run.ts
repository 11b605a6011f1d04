/**
 * `npm run bench`: load benchmarks of Tollgate's hot paths against a bare Fastify baseline
 * measured in the same run (see BENCHMARKS.md). The servers run in their own processes; autocannon
 * runs here. SQLite always; PostgreSQL too when TEST_PG_URL is set (in a random schema, dropped
 * afterwards).
 *
 * Flags: --quick (2 s warm-up and 2 s measured, small scale sizes, results to a temporary folder
 * unless --out is given; for CI), --duration S, --warmup S, --connections N,
 * --sizes 10k,1m[,10m] (sizes above 1M run on PostgreSQL only), --skip-scale,
 * --stores sqlite,postgres, --cases id,id (see bench/cases.ts), --log-level LEVEL,
 * --cpu-prof (the Tollgate server writes V8 CPU profiles to bench/results/profiles/),
 * --out DIR, --no-docs (do not rewrite BENCHMARKS.md), --render FILE.json (measure nothing: rewrite
 * BENCHMARKS.md and the plot from a results file).
 *
 * Exits 1 when a case made no requests or saw connection errors or non-2xx answers; speed is
 * reported, never asserted.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  cpus,
  availableParallelism,
  loadavg,
  release,
  tmpdir,
  totalmem,
  type as osType,
} from 'node:os';
import { join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon, { type Request, type Result } from 'autocannon';
import pg from 'pg';
import { openStore, parsePostgresUrl } from '../src/store/open-store.ts';
import { CASES, caseById, type CaseId, type CaseInput, type CaseSpec } from './cases.ts';
import { countFiller, fillTokens, mintCodes, seedFixtures, type Fixtures } from './load-tokens.ts';
import {
  formatSize,
  renderMarkdown,
  renderSvg,
  updateBenchmarksMd,
  type BenchReport,
  type CaseResult,
  type Measurement,
  type ScaleResult,
  type StoreResult,
  type Target,
} from './report.ts';
import { startServer, type ServerProcess } from './server-process.ts';

const ROOT = resolve(import.meta.dirname, '..');
const TOLLGATE_MAIN = join(ROOT, 'src/cli/main.ts');
const BASELINE_MAIN = join(ROOT, 'bench/baseline-server.ts');
const PROFILE = 'rfc';
/** Sizes above this run on PostgreSQL only (SQLite would take most of the 10-minute budget to load them). */
const SQLITE_MAX_SIZE = 1_000_000;
const SCALED_CASES: CaseId[] = ['userinfo', 'refresh-params'];
const SEED = { users: 50, refreshPerUser: 10, accessTokens: 1000 };

type StoreKind = 'sqlite' | 'postgres';

interface RunOptions {
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
}

function parseSize(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(raw.trim());
  if (!match?.[1]) throw new Error(`Bad size '${raw}': use e.g. 10k, 1m, 250000.`);
  const unit = match[2]?.toLowerCase();
  return Math.round(Number(match[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1));
}

function parseOptions(argv: string[]): RunOptions {
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
    warmup: Number(values.warmup ?? (quick ? 2 : 3)),
    duration: Number(values.duration ?? (quick ? 2 : 10)),
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
    docs: !(values['no-docs'] ?? false) && !quick,
    render: values.render,
  };
}

// ---- store locations ----

interface Location {
  location: string;
  cleanup(): Promise<void>;
}

async function createLocation(kind: StoreKind): Promise<Location> {
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

// ---- measuring ----

function toMeasurement(result: Result, rssBytes: number, cpuUs: number): Measurement {
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rssMb: rssBytes / 1024 / 1024,
    cpuUsPerRequest: result.requests.total > 0 ? cpuUs / result.requests.total : 0,
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

function fire(
  url: string,
  requests: Request[],
  seconds: number,
  connections: number,
): Promise<Result> {
  return autocannon({ url, connections, duration: seconds, requests, timeout: 10 });
}

/** A warm-up run, then the measured run with the server's RSS sampled throughout. */
async function measure(
  server: ServerProcess,
  requests: Request[],
  opts: RunOptions,
): Promise<Measurement> {
  await fire(server.url, requests, opts.warmup, opts.connections);
  const stopSampling = server.sampleRss();
  const cpuBefore = server.cpuTimeUs();
  const result = await fire(server.url, requests, opts.duration, opts.connections);
  return toMeasurement(result, stopSampling(), server.cpuTimeUs() - cpuBefore);
}

function describe(label: string, m: Measurement, extra = ''): void {
  const problems = m.errors + m.non2xx > 0 ? `  errors ${m.errors}, non-2xx ${m.non2xx}` : '';
  process.stdout.write(
    `  ${label.padEnd(56)} ${Math.round(m.rps).toString().padStart(7)} req/s  p50 ${m.p50.toFixed(1).padStart(6)} ms  p99 ${m.p99.toFixed(1).padStart(6)} ms  RSS ${Math.round(m.rssMb).toString().padStart(4)} MB  CPU ${Math.round(m.cpuUsPerRequest).toString().padStart(5)} µs/req${extra}${problems}\n`,
  );
}

function tollgateArgs(location: string, opts: RunOptions): string[] {
  return [
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--db',
    location,
    '--no-throttle',
    '--log-level',
    opts.logLevel,
    '--profile',
    PROFILE,
  ];
}

function startTollgate(
  location: string,
  opts: RunOptions,
  profileName: string,
): Promise<ServerProcess> {
  const profileDir = join(opts.outDir, 'profiles');
  if (opts.cpuProf) mkdirSync(profileDir, { recursive: true });
  const nodeFlags = opts.cpuProf
    ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${profileName}.cpuprofile`]
    : [];
  return startServer(TOLLGATE_MAIN, tollgateArgs(location, opts), { nodeFlags });
}

/** Finds (or creates) a portal and checks the operators API answers; undefined when it does not exist. */
async function probeOperators(url: string, token: string): Promise<string | undefined> {
  const headers = { authorization: `Zoho-oauthtoken ${token}`, 'content-type': 'application/json' };
  const screenOf = (data: unknown): string | undefined => {
    const list = Array.isArray(data) ? data : [data];
    for (const item of list) {
      if (item && typeof item === 'object') {
        const r = item as Record<string, unknown>;
        const name = r.screenname ?? r.screen_name ?? r.screenName;
        if (typeof name === 'string' && name !== '') return name;
      }
    }
    return undefined;
  };
  const list = await fetch(`${url}/api/v2/portals`, { headers });
  if (!list.ok) return undefined;
  let screen = screenOf(((await list.json()) as { data?: unknown }).data);
  if (!screen) {
    const created = await fetch(`${url}/api/v2/portals`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Bench', screenname: 'bench' }),
    });
    if (!created.ok) return undefined;
    screen = screenOf(((await created.json()) as { data?: unknown }).data) ?? 'bench';
  }
  const operators = await fetch(`${url}/api/v2/${encodeURIComponent(screen)}/operators`, {
    headers,
  });
  await operators.arrayBuffer();
  return operators.ok ? screen : undefined;
}

/** The tokens of one user: the operators case reads that user's portal. */
function tokensOfFirstUser(fixtures: Fixtures): string[] {
  return fixtures.accessTokens.filter((_t, i) => i % SEED.users === 0);
}

async function runCases(
  kind: StoreKind,
  opts: RunOptions,
): Promise<Pick<StoreResult, 'baselines' | 'cases'>> {
  const loc = await createLocation(kind);
  try {
    const store = await openStore(loc.location);
    let baseline: ServerProcess | undefined;
    let tollgate: ServerProcess | undefined;
    try {
      const fixtures = await seedFixtures(store, SEED);
      baseline = await startServer(BASELINE_MAIN, [
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--log-level',
        opts.logLevel,
      ]);
      tollgate = await startTollgate(loc.location, opts, `${kind}-cases`);
      const input: CaseInput = { fixtures, codes: [] };
      const run = async (
        spec: CaseSpec,
        server: ServerProcess,
        label = spec.label,
      ): Promise<Measurement> => {
        const m = await measure(server, spec.requests(input), opts);
        describe(label, m);
        return m;
      };
      const before = {
        A: await run(caseById('baseline-get'), baseline),
        B: await run(caseById('baseline-post'), baseline),
      };

      const cases: CaseResult[] = [];
      for (const id of opts.cases) {
        const spec = caseById(id);
        if (spec.server !== 'tollgate') continue;
        if (id === 'operators') {
          const screenName = await probeOperators(
            tollgate.url,
            tokensOfFirstUser(fixtures)[0] ?? '',
          );
          if (!screenName) {
            process.stdout.write(
              `  ${spec.label.padEnd(56)} skipped: the operators API does not answer here\n`,
            );
            continue;
          }
          input.screenName = screenName;
        }
        if (id === 'code-exchange') {
          // Single-use codes: more than the fastest POST route could use in the warm-up and measured runs.
          const count = Math.min(
            600_000,
            Math.ceil(before.B.rps * (opts.warmup + opts.duration) * 1.5) + 2000,
          );
          input.codes = await mintCodes(store, fixtures, count);
        }
        const requests =
          id === 'operators'
            ? spec.requests({
                ...input,
                fixtures: { ...fixtures, accessTokens: tokensOfFirstUser(fixtures) },
              })
            : spec.requests(input);
        if (opts.cpuProf) {
          // One process per case, so each profile holds that case alone.
          await tollgate.stop();
          tollgate = await startTollgate(loc.location, opts, `${kind}-${id}`);
        }
        const m = await measure(tollgate, requests, opts);
        describe(spec.label, m);
        cases.push({
          ...m,
          id,
          label: spec.label,
          baseline: spec.baseline,
          ratio: null,
          p99Ratio: null,
        });
      }
      const after = {
        A: await run(caseById('baseline-get'), baseline),
        B: await run(caseById('baseline-post'), baseline),
      };
      const mean = (a: Measurement, b: Measurement): Measurement => ({
        rps: (a.rps + b.rps) / 2,
        p50: (a.p50 + b.p50) / 2,
        p99: (a.p99 + b.p99) / 2,
        rssMb: Math.max(a.rssMb, b.rssMb),
        cpuUsPerRequest: (a.cpuUsPerRequest + b.cpuUsPerRequest) / 2,
        requests: a.requests + b.requests,
        errors: a.errors + b.errors,
        non2xx: a.non2xx + b.non2xx,
      });
      const baselines: StoreResult['baselines'] = {
        A: { before: before.A, after: after.A, mean: mean(before.A, after.A) },
        B: { before: before.B, after: after.B, mean: mean(before.B, after.B) },
      };
      for (const c of cases) {
        if (c.baseline === null) continue;
        const b = baselines[c.baseline].mean;
        c.ratio = c.rps / b.rps;
        c.p99Ratio = c.p99 / b.p99;
      }
      return { baselines, cases };
    } finally {
      await tollgate?.stop();
      await baseline?.stop();
      await store.close();
    }
  } finally {
    await loc.cleanup();
  }
}

async function runScale(
  kind: StoreKind,
  opts: RunOptions,
): Promise<Pick<StoreResult, 'scale' | 'scaleRatios'>> {
  const sizes = opts.sizes.filter((s) => kind === 'postgres' || s <= SQLITE_MAX_SIZE);
  const skipped = opts.sizes.filter((s) => !sizes.includes(s));
  if (skipped.length > 0)
    process.stdout.write(
      `  (sizes ${skipped.map(formatSize).join(', ')} run on PostgreSQL only)\n`,
    );
  const loc = await createLocation(kind);
  const scale: ScaleResult[] = [];
  try {
    const store = await openStore(loc.location);
    let fixtures: Fixtures;
    try {
      fixtures = await seedFixtures(store, SEED);
    } finally {
      await store.close();
    }
    for (const size of sizes) {
      const started = performance.now();
      await fillTokens(loc.location, size);
      const have = await countFiller(loc.location);
      process.stdout.write(
        `  store filled to ${formatSize(have)} tokens in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
      const server = await startTollgate(loc.location, opts, `${kind}-scale-${formatSize(size)}`);
      try {
        for (const id of SCALED_CASES) {
          const spec = caseById(id);
          const m = await measure(server, spec.requests({ fixtures, codes: [] }), opts);
          describe(`${spec.label} @ ${formatSize(size)}`, m);
          scale.push({ ...m, id, size });
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await loc.cleanup();
  }
  const scaleRatios = SCALED_CASES.flatMap((id) => {
    const rows = scale.filter((r) => r.id === id);
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (!first || !last || rows.length < 2) return [];
    return [{ id, smallest: first.size, largest: last.size, ratio: last.rps / first.rps }];
  });
  return { scale, scaleRatios };
}

function targetsOf(store: StoreResult): Target[] {
  const targets: Target[] = [];
  const add = (
    name: string,
    value: number | null | undefined,
    limit: string,
    met: (v: number) => boolean,
  ): void => {
    if (value === null || value === undefined) return;
    targets.push({ store: store.store, name, value, limit, met: met(value) });
  };
  const byId = (id: CaseId): CaseResult | undefined => store.cases.find((c) => c.id === id);
  for (const id of ['userinfo', 'introspect'] as const) {
    add(`${id} req/s vs baseline A`, byId(id)?.ratio, '>= 0.70', (v) => v >= 0.7);
    add(`${id} p99 vs baseline A p99`, byId(id)?.p99Ratio, '<= 2', (v) => v <= 2);
  }
  for (const id of ['refresh-params', 'refresh-basic', 'code-exchange'] as const) {
    add(`${id} req/s vs baseline B`, byId(id)?.ratio, '>= 0.45', (v) => v >= 0.45);
  }
  for (const r of store.scaleRatios) {
    add(
      `${r.id} at ${formatSize(r.largest)} vs ${formatSize(r.smallest)} tokens`,
      r.ratio,
      '>= 0.9',
      (v) => v >= 0.9,
    );
  }
  const rss = Math.max(0, ...store.cases.map((c) => c.rssMb), ...store.scale.map((r) => r.rssMb));
  add('peak server RSS under load (MB)', rss, '<= 200', (v) => v <= 200);
  return targets;
}

/** Every case must have run: requests made, no connection errors, no non-2xx answers. */
function problemsOf(stores: StoreResult[]): string[] {
  const problems: string[] = [];
  for (const s of stores) {
    const all: [string, Measurement][] = [
      ['baseline A before', s.baselines.A.before],
      ['baseline A after', s.baselines.A.after],
      ['baseline B before', s.baselines.B.before],
      ['baseline B after', s.baselines.B.after],
      ...s.cases.map((c): [string, Measurement] => [c.id, c]),
      ...s.scale.map((r): [string, Measurement] => [`${r.id} @ ${formatSize(r.size)}`, r]),
    ];
    for (const [name, m] of all) {
      if (m.requests === 0) problems.push(`${s.store} ${name}: no requests completed`);
      if (m.errors > 0) problems.push(`${s.store} ${name}: ${m.errors} connection errors`);
      if (m.non2xx > 0) problems.push(`${s.store} ${name}: ${m.non2xx} non-2xx answers`);
    }
  }
  return problems;
}

const SKELETON = `# Benchmarks

<!-- bench:begin (generated by bench/run.ts; edit the text outside these markers) -->
<!-- bench:end -->
`;

function writeDocs(report: BenchReport, svgPath: string): void {
  writeFileSync(svgPath, renderSvg(report));
  updateBenchmarksMd(
    join(ROOT, 'BENCHMARKS.md'),
    renderMarkdown(report, relative(ROOT, svgPath)),
    SKELETON,
  );
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.render) {
    writeDocs(
      JSON.parse(readFileSync(opts.render, 'utf8')) as BenchReport,
      join(opts.outDir, 'throughput.svg'),
    );
    process.stdout.write(
      `Rewrote BENCHMARKS.md and ${join(opts.outDir, 'throughput.svg')} from ${opts.render}\n`,
    );
    return;
  }
  const started = performance.now();
  const loadBefore = loadavg();
  const stores: StoreResult[] = [];
  for (const kind of opts.stores) {
    process.stdout.write(`\n${kind}: cases\n`);
    const cases = await runCases(kind, opts);
    let scale: Pick<StoreResult, 'scale' | 'scaleRatios'> = { scale: [], scaleRatios: [] };
    if (opts.scale) {
      process.stdout.write(`${kind}: scale\n`);
      scale = await runScale(kind, opts);
    }
    stores.push({ store: kind, ...cases, ...scale });
  }
  const cpuList = cpus();
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    quick: opts.quick,
    settings: {
      connections: opts.connections,
      warmupSeconds: opts.warmup,
      durationSeconds: opts.duration,
      logLevel: opts.logLevel,
      profile: PROFILE,
      sizes: opts.sizes,
    },
    machine: {
      nproc: availableParallelism(),
      cpu: cpuList[0]?.model.trim() ?? 'unknown',
      node: process.version,
      os: `${osType()} ${release()}`,
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      loadBefore,
      loadAfter: loadavg(),
    },
    stores,
    targets: stores.flatMap(targetsOf),
  };
  mkdirSync(opts.outDir, { recursive: true });
  const jsonPath = join(opts.outDir, opts.quick ? 'quick.json' : 'latest.json');
  const svgPath = join(opts.outDir, opts.quick ? 'quick.svg' : 'throughput.svg');
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.docs) writeDocs(report, svgPath);
  else writeFileSync(svgPath, renderSvg(report));
  process.stdout.write(`\nTargets:\n`);
  for (const t of report.targets)
    process.stdout.write(
      `  ${t.met ? 'met   ' : 'MISSED'} ${t.store} ${t.name}: ${t.value.toFixed(2)} (${t.limit})\n`,
    );
  process.stdout.write(
    `\nWrote ${jsonPath} and ${svgPath}${opts.docs ? ' and BENCHMARKS.md' : ''} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  const problems = problemsOf(stores);
  if (problems.length > 0) {
    process.stderr.write(
      `\nSome cases did not run cleanly:\n${problems.map((p) => `  ${p}`).join('\n')}\n`,
    );
    process.exitCode = 1;
  }
}

await main();
