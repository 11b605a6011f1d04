/**
 * `tollgate init`: creates (or brings up to date) a database without starting a server. Admin
 * commands open existing databases only, so a mistyped `--db` is an error, not a new database;
 * this is the deliberate way to make one (`serve` also creates its database).
 */
import type { Command } from 'commander';
import { CONFIG_SCHEMA } from '../../core/config.ts';
import { addDbOption, output } from '../options.ts';

export function register(program: Command): void {
  addDbOption(
    program
      .command('init')
      .description('Create the database (tables included) if it does not exist yet.')
      .option('--json', 'Print JSON'),
  ).action(async (opts: { db?: string; json?: boolean }) => {
    const location = opts.db ?? process.env.TOLLGATE_DB ?? CONFIG_SCHEMA.db.default;
    const { openStore } = await import('../../store/open-store.ts');
    const store = await openStore(location, { create: true, checkpointWorker: false });
    await store.close();
    output(opts.json, { db: location }, `Database ready: ${location}`);
  });
}
