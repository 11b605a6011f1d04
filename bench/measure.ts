/**
 * One measurement of `npm run bench`: autocannon against a server process, after a warm-up,
 * with the server's RSS and CPU time sampled, and the line that reports it.
 */
import autocannon, { type Request, type Result } from 'autocannon';
import type { Measurement } from './report.ts';
import type { RunOptions } from './run-options.ts';
import type { ServerProcess } from './server-process.ts';

export function toMeasurement(result: Result, rssBytes: number, cpuUs: number): Measurement {
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

export function fire(
  url: string,
  requests: Request[],
  seconds: number,
  connections: number,
): Promise<Result> {
  return autocannon({ url, connections, duration: seconds, requests, timeout: 10 });
}

/** A warm-up run, then the measured run with the server's RSS sampled throughout. */
export async function measure(
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

export function describe(label: string, m: Measurement, extra = ''): void {
  const problems = m.errors + m.non2xx > 0 ? `  errors ${m.errors}, non-2xx ${m.non2xx}` : '';
  process.stdout.write(
    `  ${label.padEnd(56)} ${Math.round(m.rps).toString().padStart(7)} req/s  p50 ${m.p50.toFixed(1).padStart(6)} ms  p99 ${m.p99.toFixed(1).padStart(6)} ms  RSS ${Math.round(m.rssMb).toString().padStart(4)} MB  CPU ${Math.round(m.cpuUsPerRequest).toString().padStart(5)} µs/req${extra}${problems}\n`,
  );
}
