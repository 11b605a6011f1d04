/** `tollgate client add|list|delete|rotate-secret` (SPEC R2, R10). */
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import {
  ClientInputError,
  CLIENT_TYPES,
  registerClient,
  rotateSecret,
} from '../../core/registration.ts';
import { recordCliEvent } from '../audit-event.ts';
import { addDbOption, output, withStore } from '../options.ts';
import { UsageError } from '../usage-error.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function register(program: Command): void {
  const client = program.command('client').description('Manage registered apps (OAuth clients).');

  addDbOption(
    client
      .command('add')
      .description(
        'Register an app; prints its client_id and, for a confidential app, its client_secret (shown once).',
      )
      .requiredOption('--name <name>', 'Client Name (1-100 characters)')
      .requiredOption('--domain <url>', 'Client Domain (homepage URL)')
      .option(
        '--redirect-uri <uri>',
        'Authorized Redirect URI (repeat for several; a mobile app gets http://127.0.0.1/callback, any port, without one)',
        collect,
        [],
      )
      .option('--type <type>', `Client type: ${CLIENT_TYPES.join(', ')}`, 'server')
      .option(
        '--profile <profile>',
        "Wire profile for this app: zoho, zoho-legacy or rfc (default: the server's)",
      )
      .option('--owner <email>', 'Email of the user who owns the app (required for self clients)')
      .option(
        '--dc <names>',
        'Data centres the app is enabled in ("Multi DC"), comma-separated, e.g. us,eu (default: all)',
      )
      .option(
        '--access-token-format <format>',
        "This app's access tokens: opaque (Zoho's format) or jwt (RFC 9068) (default: the server's --access-token-format)",
      )
      .option('--json', 'Print JSON'),
  ).action(
    async (opts: {
      name: string;
      domain: string;
      redirectUri: string[];
      type: string;
      profile?: string;
      owner?: string;
      dc?: string;
      accessTokenFormat?: string;
      db?: string;
      json?: boolean;
    }) => {
      const format = opts.accessTokenFormat;
      if (format !== undefined && format !== 'opaque' && format !== 'jwt')
        throw new UsageError('--access-token-format: expected opaque or jwt');
      await withStore(opts, async (store) => {
        let ownerZuid: number | null = null;
        if (opts.owner !== undefined) {
          const owner = await store.findUserByEmail(opts.owner);
          if (!owner) throw new Error(`no user with email ${opts.owner}`);
          ownerZuid = owner.zuid;
        } else if (opts.type === 'self') {
          throw new UsageError('--owner: a self client needs an owner');
        }
        try {
          const { client: created, clientSecret } = await registerClient(
            store,
            {
              name: opts.name,
              domain: opts.domain,
              redirectUris: opts.redirectUri,
              type: opts.type,
              profile: opts.profile,
              ...(opts.dc === undefined ? {} : { dataCentres: opts.dc.split(',') }),
            },
            ownerZuid,
            systemClock.now(),
          );
          await recordCliEvent(store, 'client_created', { clientId: created.clientId });
          // SPEC R14.8: the app's own access-token format overrides the server's.
          if (format !== undefined)
            await store.updateClient(created.clientId, { accessTokenFormat: format });
          const redirects = created.redirectUris.length
            ? `\nredirect_uri  ${created.redirectUris.join(' ')}`
            : '';
          output(
            opts.json,
            clientSecret === undefined
              ? { client_id: created.clientId, redirect_uris: created.redirectUris }
              : { client_id: created.clientId, client_secret: clientSecret },
            clientSecret === undefined
              ? `Registered ${created.name}\nclient_id     ${created.clientId}${redirects}\nclient_secret none: a ${created.type} app is public and uses PKCE (RFC 6749 §2.1, RFC 7636)`
              : `Registered ${created.name}\nclient_id     ${created.clientId}\nclient_secret ${clientSecret}  (shown once)`,
          );
        } catch (error) {
          if (error instanceof ClientInputError) throw new UsageError(error.message);
          throw error;
        }
      });
    },
  );

  addDbOption(
    client.command('list').description('List registered apps.').option('--json', 'Print JSON'),
  ).action(async (opts: { db?: string; json?: boolean }) => {
    await withStore(opts, async (store) => {
      const clients = await store.listClients();
      const rows = clients.map((c) => ({
        client_id: c.clientId,
        name: c.name,
        type: c.type,
        domain: c.domain,
        redirect_uris: c.redirectUris,
      }));
      output(
        opts.json,
        rows,
        rows.map((c) => `${c.client_id}\t${c.type}\t${c.name}`).join('\n') || '(no apps)',
      );
    });
  });

  addDbOption(
    client
      .command('delete')
      .description('Delete an app and revoke every code and token it holds.')
      .requiredOption('--client-id <id>', "The app's client_id")
      .option('--json', 'Print JSON'),
  ).action(async (opts: { clientId: string; db?: string; json?: boolean }) => {
    await withStore(opts, async (store) => {
      if (!(await store.deleteClient(opts.clientId)))
        throw new Error(`no app with client_id ${opts.clientId}`);
      await recordCliEvent(store, 'client_deleted', { clientId: opts.clientId });
      output(opts.json, { client_id: opts.clientId, deleted: true }, `Deleted ${opts.clientId}`);
    });
  });

  addDbOption(
    client
      .command('rotate-secret')
      .description('Issue a new client_secret; the old one stops working at once.')
      .requiredOption('--client-id <id>', "The app's client_id")
      .option('--json', 'Print JSON'),
  ).action(async (opts: { clientId: string; db?: string; json?: boolean }) => {
    await withStore(opts, async (store) => {
      let secret;
      try {
        secret = await rotateSecret(store, opts.clientId);
      } catch (error) {
        if (error instanceof ClientInputError) throw new Error(error.message);
        throw error;
      }
      if (secret === undefined) throw new Error(`no app with client_id ${opts.clientId}`);
      await recordCliEvent(store, 'client_rotated', { clientId: opts.clientId });
      output(
        opts.json,
        { client_id: opts.clientId, client_secret: secret },
        `client_secret ${secret}  (shown once)`,
      );
    });
  });
}
