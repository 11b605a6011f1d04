/**
 * `tollgate token`: prints a valid access token of a saved profile, refreshing it when it is
 * about to expire, so scripts can do
 * `curl -H "Authorization: Zoho-oauthtoken $(npx tollgate token)" ...`.
 */
import type { Command } from 'commander';
import { openSavedProfile } from '@tollgate/client';
import {
  addTokenProfileOptions,
  tokenProfileOf,
  type TokenProfileOptions,
} from '../token-profile.ts';

/** Registers `tollgate token`. */
export function register(program: Command): void {
  addTokenProfileOptions(
    program.command('token').description('Print a valid access token (refreshing it when needed)'),
  ).action(async (opts: TokenProfileOptions) => {
    const { client } = await openSavedProfile({
      profile: tokenProfileOf(opts),
      ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
    });
    process.stdout.write(`${await client.getAccessToken()}\n`);
  });
}
