/** `tollgate admin-key create`: a key for the admin JSON API (`Authorization: Bearer <key>`). */
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { createAdminKey } from '../../core/admin-keys.ts';
import { addDbOption, output, withStore } from '../options.ts';
import { UsageError } from '../usage-error.ts';

export function register(program: Command): void {
  const adminKey = program
    .command('admin-key')
    .description('Manage keys for the admin JSON API (/admin/api).');

  addDbOption(
    adminKey
      .command('create')
      .description('Create an admin API key; prints it once (only its hash is stored).')
      .option('--label <text>', 'What the key is for, e.g. "deploy script"', 'admin key')
      .option('--json', 'Print JSON'),
  ).action(async (opts: { label: string; db?: string; json?: boolean }) => {
    const label = opts.label.trim();
    if (label.length === 0 || label.length > 100)
      throw new UsageError('--label: must be 1-100 characters');
    await withStore(opts, async (store) => {
      const { key, adminKey: created } = await createAdminKey(store, label, systemClock.now());
      output(
        opts.json,
        { id: created.id, label: created.label, key },
        `Admin key ${created.id} (${created.label})\nkey ${key}  (shown once)\nUse it as: Authorization: Bearer ${key}`,
      );
    });
  });
}
