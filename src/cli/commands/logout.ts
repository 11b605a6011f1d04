/** `tollgate logout`: revokes a profile's refresh token at the server and deletes the profile. */
import type { Command } from 'commander';
import { createFileStore, defaultTokenFile, openSavedProfile } from '@tollgate/client';
import { addProfileOptions } from './token.ts';

/** Registers `tollgate logout`. */
export function register(program: Command): void {
  addProfileOptions(
    program.command('logout').description('Revoke the tokens of a profile and delete it'),
  )
    .option('--local-only', 'delete the profile without revoking (e.g. the server is gone)')
    .action(async (opts: { profile: string; tokenFile?: string; localOnly?: boolean }) => {
      const tokenFile = opts.tokenFile ?? defaultTokenFile();
      if (opts.localOnly) {
        await createFileStore({ path: tokenFile, profile: opts.profile }).deleteProfile();
        process.stderr.write(
          `Deleted profile ${opts.profile} from ${tokenFile} without revoking.\n`,
        );
        return;
      }
      const { client, store } = await openSavedProfile({ profile: opts.profile, tokenFile });
      await client.revoke();
      await store.deleteProfile();
      process.stderr.write(
        `Revoked the tokens of profile ${opts.profile} and deleted it from ${tokenFile}.\n`,
      );
    });
}
