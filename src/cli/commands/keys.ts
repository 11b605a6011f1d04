/**
 * `tollgate keys rotate` and `tollgate keys list` (SPEC R13.3): signing keys live in the store.
 * A rotated-in key is published at once and signs once every running instance has seen it; the
 * old one stays published until the tokens it signed have expired.
 */
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { addDbOption, output, withStore } from '../options.ts';

export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description('Manage the keys that sign ID tokens (published at /oauth/v2/keys).');

  addDbOption(
    keys
      .command('rotate')
      .description(
        'Add a new signing key; the old one keeps being published until its tokens expire.',
      )
      .option('--json', 'Print JSON'),
  ).action(async (opts: { db?: string; json?: boolean }) => {
    // Loaded here, so that other commands start without jose.
    const { rotateSigningKey } = await import('../../core/signing-keys.ts');
    await withStore(opts, async (store) => {
      const key = await rotateSigningKey(store, systemClock.now());
      output(
        opts.json,
        { kid: key.kid, alg: key.alg, created_at: key.createdAt },
        `New signing key ${key.kid} (${key.alg}). It signs within 10 seconds on every running server; the previous key stays published until the tokens it signed expire.`,
      );
    });
  });

  addDbOption(
    keys
      .command('list')
      .description('List the signing keys, newest first.')
      .option('--json', 'Print JSON'),
  ).action(async (opts: { db?: string; json?: boolean }) => {
    await withStore(opts, async (store) => {
      const list = (await store.listSigningKeys()).map((k) => ({
        kid: k.kid,
        alg: k.alg,
        created_at: k.createdAt,
      }));
      output(
        opts.json,
        list,
        list.length === 0
          ? 'No signing key yet (the server creates one when it first starts).'
          : list
              .map((k) => `${k.kid}  ${k.alg}  ${new Date(k.created_at).toISOString()}`)
              .join('\n'),
      );
    });
  });
}
