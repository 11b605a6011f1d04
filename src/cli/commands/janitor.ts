/**
 * `tollgate janitor --once`: one sweep of expired codes, tokens, sessions and throttle counters
 * (SPEC R15.1), for cron or a deployment that runs the server with a long interval.
 */
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { addDbOption, configFrom, output, withStore } from '../options.ts';
import { UsageError } from '../usage-error.ts';

export function register(program: Command): void {
  addDbOption(
    program
      .command('janitor')
      .description('Delete expired codes, tokens, sessions and throttle counters.')
      .option('--once', 'Run one pass and exit (the server runs it every --janitor-interval)')
      .option('--audit-retention <days>', 'Keep audit events this many days (default 90)')
      .option('--json', 'Print JSON'),
  ).action(
    async (opts: { once?: boolean; db?: string; json?: boolean; auditRetention?: string }) => {
      if (!opts.once)
        throw new UsageError('janitor: pass --once (a running server sweeps by itself)');
      const { auditRetention } = configFrom({ auditRetention: opts.auditRetention });
      await withStore(opts, async (store) => {
        const result = await store.sweepExpired(
          systemClock.now(),
          undefined,
          auditRetention * 24 * 3600_000,
        );
        if (result.outcome === 'busy') {
          output(opts.json, result, 'Another instance is sweeping now; nothing done.');
          return;
        }
        const lines = Object.entries(result.deleted).map(([table, n]) => `  ${table}: ${n}`);
        output(opts.json, result, ['Deleted:', ...lines].join('\n'));
      });
    },
  );
}
