/**
 * `npm run bench`: load benchmarks of Tollgate's hot paths against a bare Fastify baseline
 * measured in the same run (see BENCHMARKS.md). The servers run in their own processes; autocannon
 * runs here. SQLite always; PostgreSQL too when TEST_PG_URL is set (in a random schema, dropped
 * afterwards).
 *
 * Flags: --quick (1 s warm-up and 1 s measured, small scale sizes, results to a temporary folder
 * unless --out is given; for CI), --duration S, --warmup S, --connections N,
 * --sizes 10k,1m[,10m] (sizes above 1M run on PostgreSQL only), --skip-scale,
 * --stores sqlite,postgres, --cases id,id (see bench/cases.ts), --log-level LEVEL,
 * --cpu-prof (the Tollgate server writes V8 CPU profiles to bench/results/profiles/),
 * --emulator (Tollgate runs with its emulator controls and request log on),
 * --out DIR, --no-docs (do not rewrite BENCHMARKS.md; a run given --cases, --stores, --sizes,
 * --skip-scale or --out never does), --render FILE.json (measure nothing: rewrite
 * BENCHMARKS.md and the plot from a results file, its targets recomputed with today's limits), --no-pin (do not pin processes to CPUs).
 *
 * With `taskset` and two or more CPUs, the servers run on CPU 0 and this process (autocannon) on
 * the last CPU (bench/pinning.ts); the run says which it did.
 *
 * Exits 1 when a case made no requests or saw connection errors or non-2xx answers; speed is
 * reported, never asserted.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { join, relative } from 'node:path';
import { openStore } from '../src/store/open-store.ts';
import { CACHE_OFF, caseById, type CaseId, type CaseInput, type CaseSpec } from './cases.ts';
import { pinProcesses, type Pinning } from './pinning.ts';
import { createLocation, parseOptions, type RunOptions, type StoreKind } from './run-options.ts';
import { countFiller, fillTokens } from './fill-tokens.ts';
import { mintCodes, seedFixtures, type Fixtures } from './load-tokens.ts';
import {
  formatSize,
  formatTargetValue,
  renderSvg,
  type BenchReport,
  type CaseResult,
  type Measurement,
  type PairedBaseline,
  type ScaleResult,
  type StoreResult,
} from './report.ts';
import { startServer, type ServerProcess } from './server-process.ts';
import { buildServers, type BuiltServers } from './build.ts';
import { problemsOf, targetsOf, writeDocs } from './run-verdict.ts';
import { describe, measure, measurePaired, type Side } from './measure.ts';

/** Compiled before the first server starts (bench/build.ts): Tollgate and baseline as JavaScript. */
let built: BuiltServers | undefined;
const servers = (): BuiltServers => (built ??= buildServers());
const PROFILE = 'rfc';
/** Sizes above this run on PostgreSQL only (SQLite would take most of the 10-minute budget to load them). */
const SQLITE_MAX_SIZE = 1_000_000;
const SCALED_CASES: CaseId[] = ['userinfo', 'refresh-params'];
const SEED = { users: 50, refreshPerUser: 10, accessTokens: 1000 };

function tollgateArgs(location: string, opts: RunOptions, extra: readonly string[]): string[] {
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
    ...(opts.emulator ? ['--emulator'] : []),
    ...extra,
  ];
}

function startTollgate(
  location: string,
  opts: RunOptions,
  pinning: Pinning,
  profileName: string,
  extra: readonly string[] = [],
): Promise<ServerProcess> {
  const profileDir = join(opts.outDir, 'profiles');
  if (opts.cpuProf) mkdirSync(profileDir, { recursive: true });
  const nodeFlags = opts.cpuProf
    ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${profileName}.cpuprofile`]
    : [];
  return startServer(servers().tollgate, tollgateArgs(location, opts, extra), {
    nodeFlags,
    cpus: pinning.serverCpus,
  });
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

/** A baseline server as one side of a paired measurement (bench/measure.ts). */
function baselineSide(server: ServerProcess, which: 'A' | 'B', input: CaseInput): Side {
  return {
    server,
    requests: caseById(which === 'A' ? 'baseline-get' : 'baseline-post').requests(input),
  };
}

function pairedOf(m: Measurement): PairedBaseline {
  return {
    rps: m.rps,
    p99: m.p99,
    cpuUsPerRequest: m.cpuUsPerRequest,
    requests: m.requests,
    errors: m.errors,
    non2xx: m.non2xx,
  };
}

async function runCases(
  kind: StoreKind,
  opts: RunOptions,
  pinning: Pinning,
): Promise<Pick<StoreResult, 'baselines' | 'cases'>> {
  const loc = await createLocation(kind);
  try {
    const store = await openStore(loc.location);
    let baseline: ServerProcess | undefined;
    let tollgate: ServerProcess | undefined;
    try {
      const fixtures = await seedFixtures(store, SEED);
      baseline = await startServer(
        servers().baseline,
        ['--port', '0', '--host', '127.0.0.1', '--log-level', opts.logLevel],
        { cpus: pinning.serverCpus },
      );
      let serverArgs: readonly string[] = [];
      tollgate = await startTollgate(loc.location, opts, pinning, `${kind}-cases`, serverArgs);
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
        const wanted = spec.tollgateArgs ?? [];
        if (opts.cpuProf || wanted.join(' ') !== serverArgs.join(' ')) {
          // A case with other server flags gets its own process; with --cpu-prof every case
          // does, so each profile holds that case alone.
          await tollgate.stop();
          serverArgs = wanted;
          tollgate = await startTollgate(loc.location, opts, pinning, `${kind}-${id}`, serverArgs);
        }
        if (spec.baseline === null) throw new Error(`Case ${id} names no baseline.`);
        const both = await measurePaired(
          { server: tollgate, requests },
          baselineSide(baseline, spec.baseline, input),
          opts,
        );
        const m = both.measurement;
        const paired = pairedOf(both.baseline);
        describe(spec.label, m);
        describe(`  its baseline ${spec.baseline}, measured paired with it`, both.baseline);
        cases.push({
          ...m,
          id,
          label: spec.label,
          baseline: spec.baseline,
          paired,
          ratio: m.rps / paired.rps,
          p99Ratio: m.p99 / paired.p99,
          cpuRatio: m.cpuUsPerRequest > 0 ? paired.cpuUsPerRequest / m.cpuUsPerRequest : null,
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
        ...(a.usage && b.usage
          ? {
              usage: {
                coreBusy: a.usage.coreBusy.map((x, i) => (x + (b.usage?.coreBusy[i] ?? x)) / 2),
                postgresUsPerRequest:
                  a.usage.postgresUsPerRequest === null || b.usage.postgresUsPerRequest === null
                    ? null
                    : (a.usage.postgresUsPerRequest + b.usage.postgresUsPerRequest) / 2,
                loadGeneratorUsPerRequest:
                  (a.usage.loadGeneratorUsPerRequest + b.usage.loadGeneratorUsPerRequest) / 2,
              },
            }
          : {}),
      });
      const baselines: StoreResult['baselines'] = {
        A: { before: before.A, after: after.A, mean: mean(before.A, after.A) },
        B: { before: before.B, after: after.B, mean: mean(before.B, after.B) },
      };
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
  pinning: Pinning,
): Promise<Pick<StoreResult, 'scale' | 'scaleRatios'>> {
  const sizes = opts.sizes.filter((s) => kind === 'postgres' || s <= SQLITE_MAX_SIZE);
  const skipped = opts.sizes.filter((s) => !sizes.includes(s));
  if (skipped.length > 0)
    process.stdout.write(
      `  (sizes ${skipped.map(formatSize).join(', ')} run on PostgreSQL only)\n`,
    );
  const loc = await createLocation(kind);
  const scale: ScaleResult[] = [];
  // Each size's measurement is paired with its baseline, so the sizes compare by their ratios
  // even when the machine's speed changed in the minutes between them.
  let baseline: ServerProcess | undefined;
  try {
    baseline = await startServer(
      servers().baseline,
      ['--port', '0', '--host', '127.0.0.1', '--log-level', opts.logLevel],
      { cpus: pinning.serverCpus },
    );
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
      // The cache off: the scale runs measure the store's lookups.
      const server = await startTollgate(
        loc.location,
        opts,
        pinning,
        `${kind}-scale-${formatSize(size)}`,
        CACHE_OFF,
      );
      try {
        for (const id of SCALED_CASES) {
          const spec = caseById(id);
          if (spec.baseline === null) throw new Error(`Case ${id} names no baseline.`);
          const input = { fixtures, codes: [] };
          const both = await measurePaired(
            { server, requests: spec.requests(input) },
            baselineSide(baseline, spec.baseline, input),
            opts,
          );
          describe(`${spec.label} @ ${formatSize(size)}`, both.measurement);
          describe(`  its baseline ${spec.baseline}, measured paired with it`, both.baseline);
          scale.push({ ...both.measurement, id, size, paired: pairedOf(both.baseline) });
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await baseline?.stop();
    await loc.cleanup();
  }
  const vsBaseline = (r: ScaleResult): number => r.rps / (r.paired?.rps ?? r.rps);
  const scaleRatios = SCALED_CASES.flatMap((id) => {
    const rows = scale.filter((r) => r.id === id);
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (!first || !last || rows.length < 2) return [];
    return [
      {
        id,
        smallest: first.size,
        largest: last.size,
        ratio: vsBaseline(last) / vsBaseline(first),
        raw: last.rps / first.rps,
      },
    ];
  });
  return { scale, scaleRatios };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.render) {
    const saved = JSON.parse(readFileSync(opts.render, 'utf8')) as BenchReport;
    // Judged against today's targets (SPEC R16), whatever the run's own version said.
    writeDocs(
      { ...saved, targets: saved.stores.flatMap(targetsOf) },
      join(opts.outDir, 'throughput.svg'),
    );
    process.stdout.write(
      `Rewrote BENCHMARKS.md and ${join(opts.outDir, 'throughput.svg')} from ${opts.render}\n`,
    );
    return;
  }
  const started = performance.now();
  // Before pinning: the compiler may use both CPUs.
  const { tollgate, baseline } = servers();
  process.stdout.write(
    `Servers: compiled JavaScript by plain node, no loader (${relative(process.cwd(), tollgate)}, ${relative(process.cwd(), baseline)})\n`,
  );
  const pinning = pinProcesses(opts.pin);
  process.stdout.write(`CPU pinning: ${pinning.description}\n`);
  const loadBefore = loadavg();
  const stores: StoreResult[] = [];
  for (const kind of opts.stores) {
    process.stdout.write(`\n${kind}: cases\n`);
    const cases = await runCases(kind, opts, pinning);
    let scale: Pick<StoreResult, 'scale' | 'scaleRatios'> = { scale: [], scaleRatios: [] };
    if (opts.scale) {
      process.stdout.write(`${kind}: scale\n`);
      scale = await runScale(kind, opts, pinning);
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
      // The machine's CPUs: this process is pinned to one by now, so availableParallelism() says 1.
      nproc: cpuList.length,
      cpu: cpuList[0]?.model.trim() ?? 'unknown',
      node: process.version,
      os: `${osType()} ${release()}`,
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      loadBefore,
      loadAfter: loadavg(),
      pinning: pinning.description,
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
      `  ${t.met ? 'met   ' : 'MISSED'} ${t.store} ${t.name}: ${formatTargetValue(t.value)} (${t.limit})\n`,
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
