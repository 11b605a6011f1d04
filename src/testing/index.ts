/**
 * `tollgate/testing`: a fresh Tollgate inside a test suite (SPEC R11.4).
 *
 * ```ts
 * const tollgate = await startTollgate();
 * const user = await tollgate.createUser();
 * const app = await tollgate.createClient({ redirectUris: ['http://127.0.0.1:5173/callback'] });
 * const { code } = await tollgate.authorize({ clientId: app.clientId, user, scope: 'AaaServer.profile.READ' });
 * // ... the code under test exchanges `code` at `${tollgate.url}/oauth/v2/token` ...
 * await tollgate.stop();
 * ```
 *
 * Each handle has its own in-memory database and port, so many can run in one process.
 * `authorize()` drives the real pages over HTTP, as a browser would: redirect URI, PKCE, scopes,
 * throttles and remembered consent all apply.
 * @packageDocumentation
 */
import { CONFIG_SCHEMA, ConfigError, parseConfig, type ConfigInput } from '../core/config.ts';
import { TollgateError } from '../core/errors.ts';
import { openStore } from '../store/open-store.ts';
import { listenDataCentres, type DataCentreApps } from '../server/data-centres.ts';
import { createHandle } from './handle.ts';
import type { StartTollgateOptions, TollgateHandle } from './types.ts';

const HANDLE_OPTIONS = new Set(['port', 'db']);
const NOT_OPTIONS = new Set(['host', 'demo']);

function usage(message: string): TollgateError {
  return new TollgateError('testing_usage', `startTollgate(): ${message}`);
}

/** Checks every option, naming the first bad one. */
function toConfig(options: StartTollgateOptions): ConfigInput {
  if (typeof options !== 'object' || options === null) throw usage('options must be an object.');
  const input: ConfigInput = {
    logLevel: 'silent',
    port: 0,
    db: ':memory:',
    host: '127.0.0.1',
    emulator: true,
  };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (NOT_OPTIONS.has(key) || (!HANDLE_OPTIONS.has(key) && !(key in CONFIG_SCHEMA))) {
      throw usage(`unknown option '${key}'.`);
    }
    if (
      key === 'port' &&
      (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535)
    ) {
      throw usage(
        `option 'port' must be a whole number from 0 to 65535 (got ${JSON.stringify(value)}).`,
      );
    }
    if (key === 'db' && (typeof value !== 'string' || value === ''))
      throw usage(`option 'db' must be a location string.`);
    (input as Record<string, unknown>)[key] =
      key === 'dataCentres' && Array.isArray(value) ? value.join(',') : value;
  }
  return input;
}

/** Starts an isolated Tollgate on a free loopback port with an in-memory database. */
export async function startTollgate(options: StartTollgateOptions = {}): Promise<TollgateHandle> {
  const input = toConfig(options);
  let config;
  try {
    config = parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) throw usage(`option '${error.option}': ${error.problem}.`);
    throw error;
  }
  const store = await openStore(config.db, {
    statementTimeoutMs: config.dbStatementTimeout,
    groupCommit: config.groupCommit === 'on',
  });
  let listening: DataCentreApps;
  try {
    listening = await listenDataCentres(config, store, '127.0.0.1');
  } catch (error) {
    await store.close();
    if ((error as { code?: string }).code === 'EADDRINUSE')
      throw usage(`port ${config.port} on 127.0.0.1 is already in use.`);
    if (error instanceof TollgateError) throw usage(error.message);
    throw error;
  }
  return createHandle(listening, store);
}

export type {
  AuthorizeError,
  AuthorizeOptions,
  AuthorizeResult,
  AuthorizeSuccess,
  CreateClientOptions,
  CreateUserOptions,
  PublicTestClient,
  StartTollgateOptions,
  TestClient,
  TestUser,
  TollgateHandle,
} from './types.ts';
export type { ConsentDecision } from './browser.ts';
export {
  parseDuration,
  type EmulatorClockControl,
  type EmulatorFaultControl,
  type EmulatorRequestControl,
} from './emulator-controls.ts';
export type { FaultInput, FaultRule } from '../core/faults.ts';
export type { LoggedRequest, RequestFilter } from '../core/request-log.ts';
