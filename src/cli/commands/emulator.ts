/**
 * `tollgate emulator ...`: the emulator controls of a running `tollgate serve --emulator`
 * (SPEC R12), over its `/_emulator/` JSON API.
 *
 *   tollgate emulator clock                      show the server's time
 *   tollgate emulator clock advance 1h           move it forward (90s, 5m, 1h, 2d, 1h30m, or seconds)
 *   tollgate emulator clock set 2030-01-01T00:00:00Z
 *   tollgate emulator clock reset                back to real time
 *   tollgate emulator faults add --endpoint token --action throttle [--grant-type ...] [--times 2]
 *   tollgate emulator faults [list] | remove <id> | clear
 *   tollgate emulator requests [--endpoint token] [--client-id ID] [--limit 20] [--follow]
 *
 * `--url` (env TOLLGATE_URL, default http://127.0.0.1:3000) names the server; `--admin-key`
 * (env TOLLGATE_ADMIN_KEY) is needed when it listens beyond loopback.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { readDuration } from '../../core/clock.ts';
import { UsageError } from '../usage-error.ts';

interface ServerOptions {
  url?: string;
  adminKey?: string;
}

function withServer(command: Command): Command {
  return command
    .option('--url <url>', 'The Tollgate server (env TOLLGATE_URL)', process.env.TOLLGATE_URL)
    .option(
      '--admin-key <key>',
      'Admin key, needed beyond loopback (env TOLLGATE_ADMIN_KEY)',
      process.env.TOLLGATE_ADMIN_KEY,
    );
}

/** Calls the control API; a refusal becomes one line naming what was wrong. */
async function call(
  opts: ServerOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const base = (opts.url ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}/_emulator/${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.adminKey ? { authorization: `Bearer ${opts.adminKey}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new Error(`cannot reach ${base}: ${(error as Error).message}`);
  }
  const text = await res.text();
  if (res.status === 404 && !text.startsWith('{'))
    throw new Error(
      `${base} has no emulator controls: start it with \`tollgate serve --emulator\``,
    );
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const e = parsed as { error_description?: string; error?: string };
    throw new Error(`${res.status}: ${e.error_description ?? e.error ?? text}`);
  }
  return parsed;
}

/** `--url` and `--admin-key`, given on `emulator` or after any of its subcommands. */
const server = (cmd: Command): ServerOptions => cmd.optsWithGlobals<ServerOptions>();

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

function positiveInteger(flag: string) {
  return (value: string): number => {
    if (!/^\d{1,7}$/.test(value) || Number(value) < 1)
      throw new UsageError(`${flag}: expected a whole number of at least 1 (got ${value})`);
    return Number(value);
  };
}

function registerClock(emulator: Command): void {
  const clock = emulator.command('clock').description("Show or move the server's clock.");
  clock.action(async (opts: ServerOptions, cmd: Command) =>
    print(await call(server(cmd), 'GET', 'clock')),
  );
  clock
    .command('advance <duration>')
    .description('Move time forward: 90s, 5m, 1h, 2d, 1h30m.')
    .action(async (duration: string, opts: ServerOptions, cmd: Command) => {
      const seconds = readDuration(duration);
      if (seconds === undefined)
        throw new UsageError(`advance: ${duration} is not a duration (like 90s, 5m, 1h, 2d)`);
      print(await call(server(cmd), 'POST', 'clock', { advance_seconds: seconds }));
    });
  clock
    .command('set <time>')
    .description('Set the time: an ISO date or epoch milliseconds.')
    .action(async (time: string, opts: ServerOptions, cmd: Command) => {
      const ms = /^\d+$/.test(time) ? Number(time) : Date.parse(time);
      if (!Number.isFinite(ms))
        throw new UsageError(`set: ${time} is not a date or epoch milliseconds`);
      print(await call(server(cmd), 'POST', 'clock', { now: ms }));
    });
  clock
    .command('reset')
    .description('Back to real time.')
    .action(async (opts: ServerOptions, cmd: Command) =>
      print(await call(server(cmd), 'DELETE', 'clock')),
    );
}

interface FaultFlags extends ServerOptions {
  endpoint: string;
  action: string;
  grantType?: string;
  clientId?: string;
  status?: number;
  body?: string;
  delayMs?: number;
  times?: number;
  probability?: string;
}

function registerFaults(emulator: Command): void {
  const faults = emulator.command('faults').description('Make endpoints fail the way Zoho fails.');
  faults.action(async (opts: ServerOptions, cmd: Command) =>
    print(await call(server(cmd), 'GET', 'faults')),
  );
  faults
    .command('list')
    .description('The rules in force.')
    .action(async (opts: ServerOptions, cmd: Command) =>
      print(await call(server(cmd), 'GET', 'faults')),
    );
  faults
    .command('add')
    .description('Add a rule; prints its id.')
    .requiredOption(
      '--endpoint <name>',
      'token, authorize, userinfo, revoke, introspect, device, api or *',
    )
    .requiredOption(
      '--action <name>',
      'throttle, invalid_code, invalid_client, server_error, delay, drop or respond',
    )
    .option('--grant-type <type>', 'Only requests with this grant_type')
    .option('--client-id <id>', 'Only requests from this client')
    .option('--status <code>', 'HTTP status for respond', positiveInteger('--status'))
    .option('--body <json>', 'JSON body for respond')
    .option('--delay-ms <ms>', 'Latency for delay', positiveInteger('--delay-ms'))
    .option(
      '--times <n>',
      'How many requests it applies to (default 1)',
      positiveInteger('--times'),
    )
    .option('--probability <p>', 'Chance (0-1) that a matching request is faulted')
    .action(async (opts: FaultFlags, cmd: Command) => {
      const rule: Record<string, unknown> = { endpoint: opts.endpoint, action: opts.action };
      if (opts.grantType !== undefined || opts.clientId !== undefined)
        rule.when = {
          ...(opts.grantType === undefined ? {} : { grant_type: opts.grantType }),
          ...(opts.clientId === undefined ? {} : { client_id: opts.clientId }),
        };
      if (opts.status !== undefined) rule.status = opts.status;
      if (opts.delayMs !== undefined) rule.delay_ms = opts.delayMs;
      if (opts.times !== undefined) rule.times = opts.times;
      if (opts.probability !== undefined) rule.probability = Number(opts.probability);
      if (opts.body !== undefined) {
        try {
          rule.body = JSON.parse(opts.body);
        } catch {
          throw new UsageError('--body: expected JSON');
        }
      }
      print(await call(server(cmd), 'POST', 'faults', rule));
    });
  faults
    .command('remove <id>')
    .description('Remove one rule.')
    .action(async (id: string, opts: ServerOptions, cmd: Command) =>
      print(await call(server(cmd), 'DELETE', `faults/${encodeURIComponent(id)}`)),
    );
  faults
    .command('clear')
    .description('Remove every rule.')
    .action(async (opts: ServerOptions, cmd: Command) =>
      print(await call(server(cmd), 'DELETE', 'faults')),
    );
}

interface RequestFlags extends ServerOptions {
  endpoint?: string;
  clientId?: string;
  limit?: number;
  follow?: boolean;
}

/** How often `--follow` asks for new requests. */
const FOLLOW_INTERVAL_MS = 500;

function registerRequests(emulator: Command): void {
  emulator
    .command('requests')
    .description(
      'The request log (secrets masked), oldest first; --follow prints new ones as they come.',
    )
    .option('--endpoint <name>', 'Only this endpoint')
    .option('--client-id <id>', 'Only this client')
    .option('--limit <n>', 'The newest N (1-1000)', positiveInteger('--limit'))
    .option('--follow', 'Keep printing new requests, one JSON line each, until interrupted')
    .action(async (opts: RequestFlags, cmd: Command) => {
      const query = (limit?: number): string => {
        const q = new URLSearchParams();
        if (opts.endpoint) q.set('endpoint', opts.endpoint);
        if (opts.clientId) q.set('client_id', opts.clientId);
        if (limit !== undefined) q.set('limit', String(limit));
        return `requests?${q.toString()}`;
      };
      const first = (await call(server(cmd), 'GET', query(opts.limit))) as {
        requests: { id: number }[];
      };
      if (!opts.follow) return print(first);
      let last = 0;
      const emit = (list: { id: number }[]): void => {
        for (const entry of list) {
          if (entry.id <= last) continue;
          last = entry.id;
          process.stdout.write(`${JSON.stringify(entry)}\n`);
        }
      };
      emit(first.requests);
      let stopped = false;
      process.once('SIGINT', () => (stopped = true));
      process.once('SIGTERM', () => (stopped = true));
      while (!stopped) {
        await sleep(FOLLOW_INTERVAL_MS);
        emit(
          ((await call(server(cmd), 'GET', query())) as { requests: { id: number }[] }).requests,
        );
      }
    });
}

export function register(program: Command): void {
  const emulator = withServer(
    program
      .command('emulator')
      .description('Control a running `tollgate serve --emulator`: clock, faults, request log.'),
  );
  registerClock(emulator);
  registerFaults(emulator);
  registerRequests(emulator);
}
