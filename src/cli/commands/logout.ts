/** `tollgate logout`: revokes a profile's refresh token at the server and deletes the profile. */
import type { Command } from 'commander';
import { createFileStore, defaultTokenFile, openSavedProfile } from '@tollgate/client';
import {
  addTokenProfileOptions,
  tokenProfileOf,
  type TokenProfileOptions,
} from '../token-profile.ts';

/** Registers `tollgate logout`. */
export function register(program: Command): void {
  addTokenProfileOptions(
    program.command('logout').description('Revoke the tokens of a profile and delete it'),
  )
    .option('--local-only', 'delete the profile without revoking (e.g. the server is gone)')
    .action(async (opts: TokenProfileOptions & { localOnly?: boolean }) => {
      const tokenProfile = tokenProfileOf(opts);
      const tokenFile = opts.tokenFile ?? defaultTokenFile();
      if (opts.localOnly) {
        await createFileStore({ path: tokenFile, profile: tokenProfile }).deleteProfile();
        process.stderr.write(
          `Deleted profile ${tokenProfile} from ${tokenFile} without revoking.\n`,
        );
        return;
      }
      const { client, store } = await openSavedProfile({ profile: tokenProfile, tokenFile });
      await client.revoke();
      await store.deleteProfile();
      process.stderr.write(
        `Revoked the tokens of profile ${tokenProfile} and deleted it from ${tokenFile}.\n`,
      );
    });
}
