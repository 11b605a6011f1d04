/**
 * `tollgate token`: prints a valid access token of a saved profile, refreshing it when it is
 * about to expire, so scripts can do
 * `curl -H "Authorization: Zoho-oauthtoken $(npx tollgate token)" ...`.
 */
import type { Command } from 'commander';
import { openSavedProfile } from '@tollgate/client';

/** The `--profile` and `--token-file` options every profile command takes. */
export function addProfileOptions(command: Command): Command {
  return command
    .option(
      '--profile <name>',
      'profile name in the token file (default $TOLLGATE_TOKEN_PROFILE or default)',
      process.env['TOLLGATE_TOKEN_PROFILE'] ?? 'default',
    )
    .option(
      '--token-file <path>',
      'token file (default $TOLLGATE_TOKEN_FILE or ~/.config/tollgate/tokens.json)',
    );
}

/** Registers `tollgate token`. */
export function register(program: Command): void {
  addProfileOptions(
    program.command('token').description('Print a valid access token (refreshing it when needed)'),
  ).action(async (opts: { profile: string; tokenFile?: string }) => {
    const { client } = await openSavedProfile({
      profile: opts.profile,
      ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
    });
    process.stdout.write(`${await client.getAccessToken()}\n`);
  });
}
