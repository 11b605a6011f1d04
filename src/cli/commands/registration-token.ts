/**
 * `tollgate registration-token create`: an initial access token for dynamic client registration
 * when the server runs with `--registration token` (RFC 7591 §3, SPEC R14.3). Printed once; only
 * its hash is stored.
 */
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { createRegistrationToken } from '../../core/dynamic-registration.ts';
import { addDbOption, output, withStore } from '../options.ts';
import { UsageError } from '../usage-error.ts';

export function register(program: Command): void {
  const registrationToken = program
    .command('registration-token')
    .description('Manage initial access tokens for dynamic client registration (RFC 7591).');

  addDbOption(
    registrationToken
      .command('create')
      .description(
        'Create an initial access token for POST /oauth/v2/register; prints it once (only its hash is stored).',
      )
      .option('--label <text>', 'What the token is for, e.g. "MCP clients"', 'registration token')
      .option('--expires-in <seconds>', 'Lifetime in seconds (default: no expiry)')
      .option('--json', 'Print JSON'),
  ).action(async (opts: { label: string; expiresIn?: string; db?: string; json?: boolean }) => {
    const label = opts.label.trim();
    if (label.length === 0 || label.length > 100)
      throw new UsageError('--label: must be 1-100 characters');
    let lifetimeSeconds: number | null = null;
    if (opts.expiresIn !== undefined) {
      if (!/^\d+$/.test(opts.expiresIn) || Number(opts.expiresIn) < 1)
        throw new UsageError('--expires-in: expected a whole number of seconds, at least 1');
      lifetimeSeconds = Number(opts.expiresIn);
    }
    await withStore(opts, async (store) => {
      const { token, registrationToken: created } = await createRegistrationToken(store, {
        label,
        now: systemClock.now(),
        lifetimeSeconds,
      });
      const expires =
        created.expiresAt === null ? 'never' : new Date(created.expiresAt).toISOString();
      output(
        opts.json,
        { label: created.label, token, expires_at: created.expiresAt },
        `Registration token (${created.label}), expires ${expires}\ntoken ${token}  (shown once)\nUse it as: Authorization: Bearer ${token} on POST /oauth/v2/register`,
      );
    });
  });
}
