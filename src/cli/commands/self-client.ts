/**
 * `tollgate self-client exchange`: exchanges a self client's grant code (generated in the
 * console, no redirect URI) and saves the tokens to a profile (SPEC R2).
 */
import type { Command } from 'commander';
import {
  createClient,
  createFileStore,
  defaultTokenFile,
  encodeProfileSettings,
} from '@tollgate/client';
import { UsageError } from '../usage-error.ts';
import { describeTokens, readServerChoice } from './login.ts';
import {
  addTokenProfileOptions,
  tokenProfileOf,
  type TokenProfileOptions,
} from '../token-profile.ts';

interface ExchangeOptions extends TokenProfileOptions {
  dc?: string;
  accountsUrl?: string;
  clientId: string;
  clientSecret?: string;
  code: string;
}

/** Registers `tollgate self-client exchange`. */
export function register(program: Command): void {
  const selfClient = program
    .command('self-client')
    .description('Work with self clients (no redirect URI)');
  addTokenProfileOptions(
    selfClient
      .command('exchange')
      .description("Exchange a self client's grant code and save the tokens"),
  )
    .option('--dc <dc>', 'Zoho data centre: us, eu, in, au, jp, ca, sa, uk, cn')
    .option('--accounts-url <url>', 'accounts server URL, e.g. a Tollgate server')
    .requiredOption('--client-id <id>', 'the self client ID')
    .option('--client-secret <secret>', 'the client secret (or TOLLGATE_CLIENT_SECRET)')
    .requiredOption('--code <code>', 'the grant code from the console')
    .action(async (opts: ExchangeOptions) => {
      const server = readServerChoice(opts);
      const clientSecret = opts.clientSecret ?? process.env['TOLLGATE_CLIENT_SECRET'];
      if (clientSecret === undefined)
        throw new UsageError(
          'self clients are confidential: give --client-secret or TOLLGATE_CLIENT_SECRET',
        );
      const tokenFile = opts.tokenFile ?? defaultTokenFile();
      const tokenProfile = tokenProfileOf(opts);
      const store = createFileStore({ path: tokenFile, profile: tokenProfile });
      const client = createClient({
        ...server,
        clientId: opts.clientId,
        clientSecret,
        scopes: [],
        store,
      });
      const tokens = await client.exchangeCode(opts.code, { redirectUri: null });
      await store.setSettings(
        encodeProfileSettings({
          ...server,
          clientId: opts.clientId,
          clientSecret,
          scopes: tokens.scopes,
        }),
      );
      process.stderr.write(`${describeTokens(tokens, tokenProfile, tokenFile)}\n`);
    });
}
