/**
 * The benchmark's outputs: the result types written to `bench/results/latest.json`, the figures
 * table of BENCHMARKS.md (between its `bench:begin`/`bench:end` markers, so the prose around it
 * stays hand-written), and an SVG plot of requests/s per endpoint against its baseline.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Baseline, CaseId } from './cases.ts';

export interface Measurement {
  /** Mean requests per second over the measured window. */
  rps: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
  /** Peak resident memory of the server process during the measured window, in MB. */
  rssMb: number;
  /** Server CPU time (user + system) per completed request, in microseconds; steadier than req/s on a shared machine. */
  cpuUsPerRequest: number;
  requests: number;
  errors: number;
  non2xx: number;
  /**
   * The rest of the machine in the same window (bench/machine-usage.ts): each CPU's busy share,
   * and per request the CPU of all PostgreSQL processes (null when none ran) and of the load
   * generator. Absent in older results.
   */
  usage?: {
    coreBusy: number[];
    postgresUsPerRequest: number | null;
    loadGeneratorUsPerRequest: number;
  };
}

/** The baseline as measured in the same window as a case (bench/measure.ts, measurePaired). */
export type PairedBaseline = Pick<
  Measurement,
  'rps' | 'p99' | 'cpuUsPerRequest' | 'requests' | 'errors' | 'non2xx'
>;

export interface CaseResult extends Measurement {
  id: CaseId;
  label: string;
  baseline: Baseline | null;
  /** Its baseline measured in alternating slices with it; absent in older results. */
  paired?: PairedBaseline;
  /**
   * rps / the baseline's rps, and p99 / the baseline's p99: the paired baseline's when there is
   * one, else the mean of the store's before and after baselines (older results).
   */
  ratio: number | null;
  p99Ratio: number | null;
  /** The paired baseline's CPU per request / the case's: the same ratio by server CPU. */
  cpuRatio?: number | null;
}

export interface ScaleResult extends Measurement {
  id: CaseId;
  /** Filler access tokens in the store (plus a twentieth as many refresh tokens). */
  size: number;
  /** The case's baseline (A for GETs, B for POSTs) measured paired with it; absent in older results. */
  paired?: PairedBaseline;
}

export interface StoreResult {
  store: 'sqlite' | 'postgres';
  /** Each baseline is measured before and after the Tollgate cases; ratios use the mean. */
  baselines: Record<Baseline, { before: Measurement; after: Measurement; mean: Measurement }>;
  cases: CaseResult[];
  scale: ScaleResult[];
  /**
   * Per scaled case, largest size against smallest: `ratio` is of req/s each divided by its paired
   * baseline's (so a change of the machine's speed between the sizes cancels out), `raw` of req/s
   * alone. Older results have only `ratio`, of req/s alone.
   */
  scaleRatios: { id: CaseId; smallest: number; largest: number; ratio: number; raw?: number }[];
}

export interface Target {
  store: 'sqlite' | 'postgres';
  name: string;
  value: number;
  limit: string;
  met: boolean;
}

export interface BenchReport {
  generatedAt: string;
  quick: boolean;
  settings: {
    connections: number;
    warmupSeconds: number;
    durationSeconds: number;
    logLevel: string;
    profile: string;
    sizes: number[];
  };
  machine: {
    nproc: number;
    cpu: string;
    node: string;
    os: string;
    memoryGb: number;
    loadBefore: number[];
    loadAfter: number[];
    /** How the processes were placed on CPUs (bench/pinning.ts); absent in older results. */
    pinning?: string;
  };
  stores: StoreResult[];
  targets: Target[];
}

const f0 = (n: number): string => Math.round(n).toLocaleString('en-US');
const f2 = (n: number): string => n.toFixed(2);
/** A target's measured value: ratios to three places, so 0.357 never reads as a met 0.36. */
export const formatTargetValue = (n: number): string => (n < 10 ? n.toFixed(3) : n.toFixed(2));
const ms = (n: number): string => (n < 10 ? n.toFixed(1) : Math.round(n).toString());

export function formatSize(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

/** The figures block of BENCHMARKS.md, in Markdown. */
export function renderMarkdown(report: BenchReport, plotPath: string): string {
  const m = report.machine;
  const s = report.settings;
  const lines: string[] = [];
  lines.push(
    `Generated ${report.generatedAt} by \`npm run bench\`${report.quick ? ' --quick' : ''}.`,
    '',
  );
  lines.push(
    `**Machine:** ${m.nproc} CPUs (${m.cpu}), ${m.memoryGb} GB, Node ${m.node}, ${m.os}. ` +
      `Load average before/after the run: ${m.loadBefore.map(f2).join(' ')} / ${m.loadAfter.map(f2).join(' ')}.`,
    '',
    `**CPU pinning:** ${m.pinning ?? 'not recorded (a run from before pinning existed)'}.`,
    '',
    `**Settings:** ${s.connections} connections, ${s.warmupSeconds} s warm-up, ${s.durationSeconds} s measured per case, ` +
      `log level \`${s.logLevel}\`, profile \`${s.profile}\`, no throttles.`,
    '',
  );
  for (const store of report.stores) {
    lines.push(`### ${store.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, '');
    lines.push(
      '| Case | req/s | p50 ms | p99 ms | server RSS MB | server CPU µs/req | paired baseline req/s | vs baseline | by CPU | p99 vs baseline |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const key of ['A', 'B'] as const) {
      const b = store.baselines[key];
      const label =
        key === 'A'
          ? 'Baseline A: bare Fastify GET, small JSON'
          : 'Baseline B: bare Fastify url-encoded POST';
      lines.push(
        `| ${label} (before ${f0(b.before.rps)}, after ${f0(b.after.rps)}) | ${f0(b.mean.rps)} | ${ms(b.mean.p50)} | ${ms(b.mean.p99)} | ${Math.round(b.mean.rssMb)} | ${Math.round(b.mean.cpuUsPerRequest)} | | 1 (${key}) | 1 | 1 |`,
      );
    }
    for (const c of store.cases) {
      lines.push(
        `| ${c.label} | ${f0(c.rps)} | ${ms(c.p50)} | ${ms(c.p99)} | ${Math.round(c.rssMb)} | ${Math.round(c.cpuUsPerRequest)} | ${c.paired ? `${f0(c.paired.rps)} (${c.baseline})` : ''} | ${c.ratio === null ? '' : `${f2(c.ratio)} of ${c.baseline}`} | ${c.cpuRatio === null || c.cpuRatio === undefined ? '' : f2(c.cpuRatio)} | ${c.p99Ratio === null ? '' : `${f2(c.p99Ratio)}x`} |`,
      );
    }
    lines.push('');
    lines.push(...renderUsage(store, (m.pinning ?? '').startsWith('pinned')));
    if (store.scale.length > 0) {
      lines.push(
        'Scale runs (filler tokens in the store; a twentieth as many refresh tokens beside them):',
        '',
      );
      lines.push(
        '| Case | tokens | req/s | p50 ms | p99 ms | server RSS MB | server CPU µs/req | paired baseline req/s | vs baseline |',
      );
      lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const r of store.scale) {
        lines.push(
          `| ${r.id} | ${formatSize(r.size)} | ${f0(r.rps)} | ${ms(r.p50)} | ${ms(r.p99)} | ${Math.round(r.rssMb)} | ${Math.round(r.cpuUsPerRequest)} | ${r.paired ? f0(r.paired.rps) : ''} | ${r.paired ? f2(r.rps / r.paired.rps) : ''} |`,
        );
      }
      lines.push('');
      for (const r of store.scaleRatios)
        lines.push(
          r.raw === undefined
            ? `- ${r.id}: ${formatSize(r.largest)} / ${formatSize(r.smallest)} tokens = **${f2(r.ratio)}**`
            : `- ${r.id}: ${formatSize(r.largest)} / ${formatSize(r.smallest)} tokens = **${f2(r.ratio)}** (each size's req/s against its paired baseline; req/s alone ${f2(r.raw)})`,
        );
      lines.push('');
    }
  }
  lines.push('### Targets', '');
  lines.push('| Store | Target | Measured | Limit | Met |');
  lines.push('|---|---|---:|---|---|');
  for (const t of report.targets)
    lines.push(
      `| ${t.store} | ${t.name} | ${formatTargetValue(t.value)} | ${t.limit} | ${t.met ? 'yes' : '**no**'} |`,
    );
  lines.push('', `![requests per second per endpoint against its baseline](${plotPath})`);
  return lines.join('\n');
}

/**
 * Where the CPU went in each case of a store (bench/machine-usage.ts): the server's, PostgreSQL's
 * and the load generator's CPU per request, and how busy each CPU was. Empty for older results.
 */
/** What held a pinned measurement back: the CPU that was full, if one was (95 % or more). */
function limitedBy(coreBusy: number[]): string {
  const FULL = 0.95;
  if ((coreBusy[coreBusy.length - 1] ?? 0) >= FULL) return 'load generator';
  if ((coreBusy[0] ?? 0) >= FULL) return "server's CPU";
  return 'neither CPU full (waits)';
}

function renderUsage(store: StoreResult, pinned: boolean): string[] {
  const rows: { label: string; m: Measurement }[] = [
    { label: 'Baseline A (mean)', m: store.baselines.A.mean },
    { label: 'Baseline B (mean)', m: store.baselines.B.mean },
    ...store.cases.map((c) => ({ label: c.label, m: c as Measurement })),
  ];
  const withUsage = rows.filter((r) => r.m.usage !== undefined);
  if (withUsage.length === 0) return [];
  const cpus = Math.max(...withUsage.map((r) => r.m.usage?.coreBusy.length ?? 0));
  const pg = store.store === 'postgres';
  const cpuHeads = Array.from({ length: cpus }, (_, i) => `CPU ${i} busy`);
  const head = [
    'Case',
    'server µs/req',
    ...(pg ? ['PostgreSQL µs/req'] : []),
    'load generator µs/req',
    ...cpuHeads,
    ...(pinned ? ['limited by'] : []),
  ];
  const lines = [
    'Where the CPU went in each measured window (all PostgreSQL processes of the machine, the load',
    'generator\'s process, and each CPU\'s busy share; PostgreSQL is not pinned). "Limited by" names',
    'the CPU that was full (95 % or more): the load generator (autocannon, one thread on the last',
    "CPU), the server's, or neither (the server waited, e.g. for a commit). A ratio to a baseline",
    'that was limited by the load generator understates how fast the bare route is; "by CPU" in',
    'the table above compares the servers alone:',
    '',
    `| ${head.join(' | ')} |`,
    `|---|${head
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
  ];
  for (const { label, m } of withUsage) {
    const u = m.usage;
    if (!u) continue;
    const cells = [
      label,
      String(Math.round(m.cpuUsPerRequest)),
      ...(pg
        ? [u.postgresUsPerRequest === null ? '' : String(Math.round(u.postgresUsPerRequest))]
        : []),
      String(Math.round(u.loadGeneratorUsPerRequest)),
      ...Array.from({ length: cpus }, (_, i) => `${Math.round((u.coreBusy[i] ?? 0) * 100)} %`),
      ...(pinned ? [limitedBy(u.coreBusy)] : []),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines;
}

const BEGIN =
  '<!-- bench:begin (generated by bench/run.ts; edit the text outside these markers) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated block of BENCHMARKS.md, creating the file from `skeleton` if absent. */
export function updateBenchmarksMd(path: string, block: string, skeleton: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : skeleton;
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const generated = `${BEGIN}\n${block}\n${END}`;
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + generated + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n${generated}\n`;
  writeFileSync(path, next);
}

function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Horizontal bars: each endpoint's req/s above its baseline's, one panel per store. */
export function renderSvg(report: BenchReport): string {
  const width = 960;
  const labelWidth = 330;
  const barMax = width - labelWidth - 150;
  const barHeight = 14;
  const rowHeight = 2 * barHeight + 14;
  const parts: string[] = [];
  let y = 40;
  parts.push(
    `<text x="16" y="24" font-size="16" font-weight="bold">Tollgate: requests/s per endpoint (blue) against its bare-Fastify baseline (grey), same run</text>`,
  );
  for (const store of report.stores) {
    const max = Math.max(
      1,
      ...store.cases.map((c) => c.rps),
      store.baselines.A.mean.rps,
      store.baselines.B.mean.rps,
    );
    parts.push(
      `<text x="16" y="${y + 16}" font-size="14" font-weight="bold">${store.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}</text>`,
    );
    y += 26;
    for (const c of store.cases) {
      const base = c.baseline ? store.baselines[c.baseline].mean.rps : 0;
      const w1 = (c.rps / max) * barMax;
      const w2 = (base / max) * barMax;
      parts.push(`<text x="16" y="${y + barHeight}" font-size="12">${escapeXml(c.label)}</text>`);
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${w1.toFixed(1)}" height="${barHeight}" fill="#2f6fb3"/>`,
      );
      parts.push(
        `<text x="${(labelWidth + w1 + 6).toFixed(1)}" y="${y + barHeight - 3}" font-size="11">${f0(c.rps)} req/s${c.ratio === null ? '' : ` (${f2(c.ratio)} of ${c.baseline})`}</text>`,
      );
      parts.push(
        `<rect x="${labelWidth}" y="${y + barHeight + 2}" width="${w2.toFixed(1)}" height="${barHeight}" fill="#b8b8b8"/>`,
      );
      parts.push(
        `<text x="${(labelWidth + w2 + 6).toFixed(1)}" y="${y + 2 * barHeight - 1}" font-size="11" fill="#555">baseline ${c.baseline ?? ''} ${f0(base)}</text>`,
      );
      y += rowHeight;
    }
    y += 10;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
