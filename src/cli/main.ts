/**
 * The `tollgate` command. Each command lives in cli/commands/ and registers itself; one catch
 * here turns errors into one clear line and the exit code (0 ok, 1 error, 2 bad usage).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { TollgateError } from '../core/errors.ts';
import { UsageError } from './usage-error.ts';
import * as serve from './commands/serve.ts';
import * as init from './commands/init.ts';
import * as user from './commands/user.ts';
import * as client from './commands/client.ts';
import * as login from './commands/login.ts';
import * as token from './commands/token.ts';
import * as whoami from './commands/whoami.ts';
import * as logout from './commands/logout.ts';
import * as selfClient from './commands/self-client.ts';
import * as adminKey from './commands/admin-key.ts';
import * as registrationToken from './commands/registration-token.ts';
import * as emulator from './commands/emulator.ts';
import * as keys from './commands/keys.ts';
import * as janitor from './commands/janitor.ts';
import * as cert from './commands/cert.ts';
import * as audit from './commands/audit.ts';

/** Command modules, each exporting `register(program)`. Add new commands to this list. */
const COMMANDS: { register(program: Command): void }[] = [
  serve,
  init,
  user,
  client,
  login,
  token,
  whoami,
  logout,
  selfClient,
  adminKey,
  registrationToken,
  keys,
  emulator,
  janitor,
  cert,
  audit,
];

/** The package's version: src/cli and dist/cli are both two levels below package.json. */
export function packageVersion(): string {
  return (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
}

export function buildProgram(): Command {
  const program = new Command('tollgate')
    .version(packageVersion(), '-V, --version', 'Print the version and exit.')
    .description(
      "Tollgate: a self-hostable OAuth 2.0 authorization server that speaks Zoho Accounts' protocol.",
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError();
  for (const command of COMMANDS) command.register(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`tollgate: ${error.message}\n`);
      return 2;
    }
    const message =
      error instanceof TollgateError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`tollgate: ${message}\n`);
    return error instanceof TollgateError && error.code === 'config_invalid' ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
