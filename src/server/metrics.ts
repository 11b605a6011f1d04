/**
 * Prometheus metrics (SPEC R15.2), served at `GET /metrics` with `--metrics`. Each app has its
 * own registry: several apps in one process (the testing handle, several data centres) never
 * share or collide on a metric. docs/metrics.md names every metric and label.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats, SweepResult } from '../store/types.ts';

export interface MetricsOptions {
  /** Read at each scrape; absent for a store without a pool. */
  poolStats?: () => PoolStats;
}

/** Request latency buckets in seconds: from a cached token check to a slow password hash. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics of one app instance. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'tollgate_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'tollgate_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly tokensMinted = new Counter({
    name: 'tollgate_tokens_minted_total',
    help: 'Successful token responses of the token endpoint, by grant type.',
    labelNames: ['grant'] as const,
    registers: [this.registry],
  });
  readonly throttled = new Counter({
    name: 'tollgate_throttled_total',
    help: 'Requests refused by a throttle of SPEC R5.5, by route pattern.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: 'tollgate_store_errors_total',
    help: 'Requests that failed because the database was unavailable or too slow (answered 503).',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly janitorDeleted = new Counter({
    name: 'tollgate_janitor_deleted_rows_total',
    help: 'Rows deleted by the janitor, by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly janitorPasses = new Counter({
    name: 'tollgate_janitor_passes_total',
    help: 'Janitor passes: swept, busy (another instance held the lock) or failed.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    const { poolStats } = options;
    if (poolStats) {
      const gauge = (name: string, help: string, read: (s: PoolStats) => number): void => {
        new Gauge({
          name,
          help,
          registers: [this.registry],
          collect() {
            this.set(read(poolStats()));
          },
        });
      };
      gauge('tollgate_db_pool_size', 'Connections the database pool may open.', (s) => s.size);
      gauge('tollgate_db_pool_in_use', 'Database connections in use now.', (s) => s.inUse);
      gauge(
        'tollgate_db_pool_waiting',
        'Requests waiting for a database connection now.',
        (s) => s.waiting,
      );
    }
  }

  /** Counts one janitor pass and what it deleted. */
  recordJanitorPass(result: SweepResult | 'failed'): void {
    if (result === 'failed') {
      this.janitorPasses.inc({ outcome: 'failed' });
      return;
    }
    this.janitorPasses.inc({ outcome: result.outcome });
    if (result.outcome !== 'swept') return;
    for (const [table, count] of Object.entries(result.deleted))
      if (count > 0) this.janitorDeleted.inc({ table }, count);
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
