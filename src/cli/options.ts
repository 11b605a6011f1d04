/**
 * Shared option handling: `--db` on every admin command, `--json` output, and the config
 * flags generated from the one config schema.
 */
import { Option, type Command } from 'commander';
import {
  CONFIG_SCHEMA,
  flagName,
  parseConfig,
  type Config,
  type ConfigInput,
} from '../core/config.ts';
import type { Store } from '../store/types.ts';

/** Adds every config option of the schema to a command, as flags. */
export function addConfigOptions(command: Command): Command {
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA)) {
    const flag = flagName(key);
    const description = spec.description;
    if (spec.type === 'boolean') {
      command.addOption(
        new Option(spec.default === true ? `--no-${flag}` : `--${flag}`, description),
      );
    } else {
      command.addOption(new Option(`--${flag} <value>`, description));
    }
  }
  return command;
}

/** Config from flags (only those given), the environment and defaults. */
export function configFrom(
  opts: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const input: ConfigInput = {};
  for (const key of Object.keys(CONFIG_SCHEMA) as (keyof typeof CONFIG_SCHEMA)[]) {
    const value = opts[key];
    if (value === undefined) continue;
    const spec = CONFIG_SCHEMA[key];
    // Commander sets negatable booleans to their default; only an explicit --no-x counts.
    if (spec.type === 'boolean' && value === spec.default) continue;
    input[key] = value;
  }
  return parseConfig(input, env);
}

export function addDbOption(command: Command): Command {
  return command.option(
    '--db <location>',
    'SQLite file path or postgres:// URL (default ./data/tollgate.db, or TOLLGATE_DB)',
  );
}

export async function withStore<T>(
  opts: { db?: string },
  run: (store: Store) => Promise<T>,
): Promise<T> {
  // Loaded on demand, so commands that need no database start fast.
  const { openStore } = await import('../store/open-store.ts');
  // Admin commands open an existing database only: a mistyped --db must not create an empty one.
  // A short command: no checkpoint worker (closing the store checkpoints the WAL anyway).
  const store = await openStore(opts.db ?? process.env.TOLLGATE_DB ?? CONFIG_SCHEMA.db.default, {
    create: false,
    checkpointWorker: false,
  });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

/** Prints a result as JSON (`--json`) or as readable lines. */
export function output(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}
