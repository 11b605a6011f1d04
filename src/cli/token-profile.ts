/**
 * The saved-token options of the client commands (`login`, `token`, `whoami`, `logout`,
 * `self-client exchange`): which entry of the token file, and which file. The entry is a
 * "token profile", named apart from the server's wire profile (`serve --profile`).
 */
import { Option, type Command } from 'commander';

/** What the options parse to. */
export interface TokenProfileOptions {
  tokenProfile: string;
  /** Deprecated spelling of `--token-profile`, accepted for one release. */
  profile?: string;
  tokenFile?: string;
}

/** Adds `--token-profile`, `--token-file` and the deprecated `--profile` alias. */
export function addTokenProfileOptions(command: Command): Command {
  return command
    .option(
      '--token-profile <name>',
      'entry of the token file (default $TOLLGATE_TOKEN_PROFILE or default)',
      process.env['TOLLGATE_TOKEN_PROFILE'] ?? 'default',
    )
    .addOption(new Option('--profile <name>', 'deprecated: use --token-profile').hideHelp())
    .option(
      '--token-file <path>',
      'token file (default $TOLLGATE_TOKEN_FILE or ~/.config/tollgate/tokens.json)',
    );
}

/** The token profile asked for, warning once when the deprecated `--profile` spelling was used. */
export function tokenProfileOf(opts: TokenProfileOptions): string {
  if (opts.profile === undefined) return opts.tokenProfile;
  process.stderr.write(
    'tollgate: --profile is deprecated for saved tokens; use --token-profile (--profile will be removed in the next release).\n',
  );
  return opts.profile;
}
