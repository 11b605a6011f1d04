/** `tollgate whoami`: who a saved profile's tokens belong to (`GET /oauth/user/info`). */
import type { Command } from 'commander';
import { openSavedProfile } from '@tollgate/client';
import {
  addTokenProfileOptions,
  tokenProfileOf,
  type TokenProfileOptions,
} from '../token-profile.ts';

/** Registers `tollgate whoami`. */
export function register(program: Command): void {
  addTokenProfileOptions(
    program.command('whoami').description('Show the signed-in user of a profile'),
  )
    .option('--json', 'print the user info as JSON')
    .action(async (opts: TokenProfileOptions & { json?: boolean }) => {
      const { client } = await openSavedProfile({
        profile: tokenProfileOf(opts),
        ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
      });
      const info = await client.userInfo();
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(info, null, 2)}\n`
          : `${info.Display_Name} <${info.Email}> (ZUID ${info.ZUID})\n`,
      );
    });
}
