/** `tollgate user add|list|disable` (SPEC R10). */
import { DATA_CENTRE_NAMES, isDataCentreName } from '../../core/data-centres.ts';
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { hashPassword } from '../../core/passwords.ts';
import { addDbOption, output, withStore } from '../options.ts';
import { UsageError } from '../usage-error.ts';
import { recordCliEvent } from '../audit-event.ts';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function register(program: Command): void {
  const user = program.command('user').description('Manage user accounts.');

  addDbOption(
    user
      .command('add')
      .description('Create a user account.')
      .requiredOption('--email <email>', 'Email address (the sign-in name)')
      .requiredOption('--password <password>', 'Password (at least 8 characters)')
      .option('--first-name <name>', 'First name', '')
      .option('--last-name <name>', 'Last name', '')
      .option('--display-name <name>', 'Display name (default: first and last name, or the email)')
      .option(
        '--dc <name>',
        "Home data centre (us, eu, in, au, jp, ca, sa, uk, cn; default: the server's first)",
      )
      .option('--json', 'Print JSON'),
  ).action(
    async (opts: {
      email: string;
      password: string;
      firstName: string;
      lastName: string;
      displayName?: string;
      dc?: string;
      db?: string;
      json?: boolean;
    }) => {
      if (!EMAIL.test(opts.email) || opts.email.length > 320)
        throw new UsageError(`--email: '${opts.email}' is not an email address`);
      if (opts.password.length < 8)
        throw new UsageError('--password: must be at least 8 characters');
      const dc = opts.dc?.toLowerCase();
      if (dc !== undefined && !isDataCentreName(dc))
        throw new UsageError(
          `--dc: unknown data centre '${opts.dc}' (known: ${DATA_CENTRE_NAMES.join(', ')})`,
        );
      const displayName =
        opts.displayName ??
        ([opts.firstName, opts.lastName].filter(Boolean).join(' ') || opts.email);
      await withStore(opts, async (store) => {
        const result = await store.createUser(
          {
            email: opts.email,
            passwordHash: await hashPassword(opts.password),
            firstName: opts.firstName,
            lastName: opts.lastName,
            displayName,
            dc: dc ?? null,
          },
          systemClock.now(),
        );
        if (result.outcome === 'email-taken')
          throw new Error(`a user with email ${opts.email} already exists`);
        const { user: created } = result;
        output(
          opts.json,
          { zuid: created.zuid, email: created.email },
          `Created user ${created.email} (ZUID ${created.zuid})`,
        );
      });
    },
  );

  addDbOption(
    user.command('list').description('List user accounts.').option('--json', 'Print JSON'),
  ).action(async (opts: { db?: string; json?: boolean }) => {
    await withStore(opts, async (store) => {
      const users = await store.listUsers();
      const rows = users.map((u) => ({
        zuid: u.zuid,
        email: u.email,
        display_name: u.displayName,
        disabled: u.disabled,
      }));
      output(
        opts.json,
        rows,
        rows
          .map((u) => `${u.zuid}\t${u.email}\t${u.display_name}${u.disabled ? '\t(disabled)' : ''}`)
          .join('\n') || '(no users)',
      );
    });
  });

  addDbOption(
    user
      .command('disable')
      .description('Disable an account: its sessions and tokens end now.')
      .requiredOption('--email <email>', 'Email of the account')
      .option('--json', 'Print JSON'),
  ).action(async (opts: { email: string; db?: string; json?: boolean }) => {
    await withStore(opts, async (store) => {
      const found = await store.findUserByEmail(opts.email);
      if (!found) throw new Error(`no user with email ${opts.email}`);
      await store.setUserDisabled(found.zuid, true);
      // Disabling ends every token of the person: a revocation, audited (SPEC R15.3).
      await recordCliEvent(store, 'token_revoked', {
        zuid: found.zuid,
        detail: { reason: 'user_disabled' },
      });
      output(
        opts.json,
        { zuid: found.zuid, email: found.email, disabled: true },
        `Disabled ${found.email}`,
      );
    });
  });
}
