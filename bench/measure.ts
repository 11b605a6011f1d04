/**
 * One measurement of `npm run bench`: autocannon against a server process, after a warm-up,
 * with the server's RSS and CPU time and the rest of the machine sampled, and the line that
 * reports it. A case and its baseline are measured paired: in alternating slices of one window
 * (baseline, case, case, baseline), so a machine that speeds up or slows down during the run
 * moves both sides of the ratio alike.
 */
import autocannon, { type Result } from 'autocannon';
import type { Load } from './cases.ts';
import type { Measurement } from './report.ts';
import type { RunOptions } from './run-options.ts';
import type { ServerProcess } from './server-process.ts';
import { startUsage, type Usage } from './machine-usage.ts';

export function fire(
  url: string,
  requests: Load,
  seconds: number,
  connections: number,
): Promise<Result> {
  const { perConnection } = requests;
  let next = 0;
  return autocannon({
    url,
    connections,
    duration: seconds,
    requests,
    timeout: 10,
    // Each connection its own prebuilt requests (cases.ts, Load), in the order they connect.
    ...(perConnection
      ? { setupClient: (client) => client.setRequests(perConnection(next++, connections)) }
      : {}),
  });
}

/** One stretch of load on one server, with what it cost. */
interface Slice {
  result: Result;
  cpuUs: number;
  usage: Usage;
}

async function slice(
  server: ServerProcess,
  requests: Load,
  seconds: number,
  connections: number,
): Promise<Slice> {
  const cpuBefore = server.cpuTimeUs();
  const stopUsage = startUsage();
  const result = await fire(server.url, requests, seconds, connections);
  const usage = stopUsage();
  return { result, cpuUs: server.cpuTimeUs() - cpuBefore, usage };
}

/**
 * The slices of one server as one measurement: requests/s over their whole time, latency
 * percentiles as the request-weighted mean of the slices', CPU summed, busy shares weighted by
 * time.
 */
function combine(slices: Slice[], rssBytes: number): Measurement {
  const total = slices.reduce((n, s) => n + s.result.requests.total, 0);
  const seconds = slices.reduce((n, s) => n + s.result.duration, 0);
  const weighted = (pick: (s: Slice) => number): number =>
    total > 0 ? slices.reduce((n, s) => n + pick(s) * s.result.requests.total, 0) / total : 0;
  const perRequest = (us: number): number => (total > 0 ? us / total : 0);
  const cores = Math.max(0, ...slices.map((s) => s.usage.coreBusy.length));
  const pgSeen = slices.some((s) => s.usage.postgresUs !== null);
  return {
    rps: seconds > 0 ? total / seconds : 0,
    p50: weighted((s) => s.result.latency.p50),
    p99: weighted((s) => s.result.latency.p99),
    rssMb: rssBytes / 1024 / 1024,
    cpuUsPerRequest: perRequest(slices.reduce((n, s) => n + s.cpuUs, 0)),
    requests: total,
    errors: slices.reduce((n, s) => n + s.result.errors, 0),
    non2xx: slices.reduce((n, s) => n + s.result.non2xx, 0),
    usage: {
      coreBusy: Array.from({ length: cores }, (_, i) =>
        seconds > 0
          ? slices.reduce((n, s) => n + (s.usage.coreBusy[i] ?? 0) * s.result.duration, 0) / seconds
          : 0,
      ),
      postgresUsPerRequest: pgSeen
        ? perRequest(slices.reduce((n, s) => n + (s.usage.postgresUs ?? 0), 0))
        : null,
      loadGeneratorUsPerRequest: perRequest(
        slices.reduce((n, s) => n + s.usage.loadGeneratorUs, 0),
      ),
    },
  };
}

/** A warm-up run, then the measured run with the server's RSS sampled throughout. */
export async function measure(
  server: ServerProcess,
  requests: Load,
  opts: RunOptions,
): Promise<Measurement> {
  await fire(server.url, requests, opts.warmup, opts.connections);
  const stopSampling = server.sampleRss();
  const measured = await slice(server, requests, opts.duration, opts.connections);
  return combine([measured], stopSampling());
}

export interface Side {
  server: ServerProcess;
  requests: Load;
}

/**
 * A case and its baseline, each warmed up, then measured in the order baseline, case, case,
 * baseline, each slice half of `opts.duration`: each side is measured for `opts.duration` in
 * all, and a steady drift of the machine's speed over the window affects both alike.
 */
export async function measurePaired(
  subject: Side,
  baseline: Side,
  opts: RunOptions,
): Promise<{ measurement: Measurement; baseline: Measurement }> {
  await fire(subject.server.url, subject.requests, opts.warmup, opts.connections);
  // The baseline has run before (it is measured first), so a short warm-up is enough.
  await fire(baseline.server.url, baseline.requests, Math.min(1, opts.warmup), opts.connections);
  const half = opts.duration / 2;
  const stopSubject = subject.server.sampleRss();
  const stopBaseline = baseline.server.sampleRss();
  const b1 = await slice(baseline.server, baseline.requests, half, opts.connections);
  const s1 = await slice(subject.server, subject.requests, half, opts.connections);
  const s2 = await slice(subject.server, subject.requests, half, opts.connections);
  const b2 = await slice(baseline.server, baseline.requests, half, opts.connections);
  return {
    measurement: combine([s1, s2], stopSubject()),
    baseline: combine([b1, b2], stopBaseline()),
  };
}

export function describe(label: string, m: Measurement, extra = ''): void {
  const problems = m.errors + m.non2xx > 0 ? `  errors ${m.errors}, non-2xx ${m.non2xx}` : '';
  const u = m.usage;
  const usage = u
    ? `  [${u.postgresUsPerRequest === null ? '' : `PG ${Math.round(u.postgresUsPerRequest)} µs, `}load ${Math.round(u.loadGeneratorUsPerRequest)} µs; CPUs ${u.coreBusy.map((b) => `${Math.round(b * 100)}%`).join(' ')}]`
    : '';
  process.stdout.write(
    `  ${label.padEnd(56)} ${Math.round(m.rps).toString().padStart(7)} req/s  p50 ${m.p50.toFixed(1).padStart(6)} ms  p99 ${m.p99.toFixed(1).padStart(6)} ms  RSS ${Math.round(m.rssMb).toString().padStart(4)} MB  CPU ${Math.round(m.cpuUsPerRequest).toString().padStart(5)} µs/req${usage}${extra}${problems}\n`,
  );
}
