/**
 * Runs the store's sweep every `--janitor-interval` (SPEC R15.1). A pass never overlaps the
 * previous one, a failed pass (the database away) is logged and retried at the next tick, and
 * the timer never keeps the process alive.
 */
import type { SweepResult, Store } from '../store/types.ts';

export interface JanitorOptions {
  store: Pick<Store, 'sweepExpired'>;
  intervalMs: number;
  now: () => number;
  /** Audit events older than this go (SPEC R15.3; default: the store's, 90 days). */
  auditRetentionMs?: number;
  /** Told of every pass, swept or skipped (metrics, logs). */
  onPass?(result: SweepResult, ms: number): void;
  onError?(error: unknown): void;
}

export interface Janitor {
  /** One pass now (waits for a running one first). */
  runOnce(): Promise<SweepResult>;
  /** Stops the timer and waits for a running pass. */
  stop(): Promise<void>;
}

export function startJanitor(options: JanitorOptions): Janitor {
  let running: Promise<SweepResult> | undefined;
  let stopped = false;
  const pass = async (): Promise<SweepResult> => {
    const started = performance.now();
    const result = await options.store.sweepExpired(
      options.now(),
      undefined,
      options.auditRetentionMs,
    );
    options.onPass?.(result, Math.round(performance.now() - started));
    return result;
  };
  const runOnce = async (): Promise<SweepResult> => {
    if (running) await running.catch(() => undefined);
    running = pass();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    runOnce().catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
