/**
 * One schema for every option: its flag, environment variable, type, default, unit and
 * description. Config is parsed, cross-checked, then frozen; the README's options table is
 * generated from the schema (`npm run docs`), and a test fails when it is stale.
 */
import { WIRE_PROFILES, type WireProfile } from './profiles.ts';
import { TollgateError } from './errors.ts';
import { parseDataCentres } from './data-centres.ts';
import { LIMIT_PRESET_VALUES, LIMIT_PRESETS, type LimitPreset } from './limits.ts';

type OptionType = 'string' | 'integer' | 'boolean' | 'url';

interface OptionSpec<T> {
  type: OptionType;
  default: T;
  description: string;
  unit?: string;
  values?: readonly string[];
  min?: number;
  max?: number;
}

const option = <T>(spec: OptionSpec<T>): OptionSpec<T> => spec;

/** Every option Tollgate has. Keys are camelCase; flags are kebab-case; env vars TOLLGATE_*. */
export const CONFIG_SCHEMA = {
  port: option({
    type: 'integer',
    default: 3000,
    min: 0,
    max: 65535,
    description: 'TCP port to listen on (0 picks a free one).',
  }),
  host: option({ type: 'string', default: '127.0.0.1', description: 'Address to listen on.' }),
  db: option({
    type: 'string',
    default: './data/tollgate.db',
    description:
      'SQLite file path, `:memory:`, or a `postgres://` URL (`?schema=NAME` selects a schema).',
  }),
  tlsCert: option<string | undefined>({
    type: 'string',
    default: undefined,
    description:
      'PEM certificate file: serve HTTPS instead of HTTP (with `--tls-key`; `tollgate cert` makes a local pair).',
  }),
  tlsKey: option<string | undefined>({
    type: 'string',
    default: undefined,
    description: 'PEM private key file of `--tls-cert` (both or neither).',
  }),
  issuer: option<string | undefined>({
    type: 'url',
    default: undefined,
    description: 'Public base URL of this server (default: the address it listens on).',
  }),
  profile: option<WireProfile>({
    type: 'string',
    default: 'zoho',
    values: WIRE_PROFILES,
    description:
      "Wire dialect (SPEC R0): what Zoho sends today, the seed's legacy form, or strict RFC.",
  }),
  location: option({
    type: 'string',
    default: 'us',
    description: 'Data-centre name sent as `location` with each code.',
  }),
  dataCentres: option<string | undefined>({
    type: 'string',
    default: undefined,
    description:
      "Serve several data centres from one process and store, e.g. `us,eu` (SPEC R13.1): the first listens on `--port` and is the server's own `location`, the next on `--port`+1, and so on. Known: us, eu, in, au, jp, ca, sa, uk, cn.",
  }),
  apiDomain: option<string | undefined>({
    type: 'url',
    default: undefined,
    description: 'Base URL sent as `api_domain` in token responses (default: the issuer).',
  }),
  throttle: option({
    type: 'boolean',
    default: true,
    description: 'Apply the throttles of SPEC R5.5 (`--no-throttle` for tests and benchmarks).',
  }),
  accessTokenTtl: option({
    type: 'integer',
    default: 3600,
    min: 1,
    unit: 's',
    description: 'Access-token lifetime.',
  }),
  codeTtl: option({
    type: 'integer',
    default: 120,
    min: 1,
    unit: 's',
    description: 'Authorization-code lifetime.',
  }),
  deviceCodeTtl: option({
    type: 'integer',
    default: 300,
    min: 1,
    unit: 's',
    description:
      'Device-code lifetime (SPEC R13.2); the zoho profiles send it as `expires_in` in milliseconds.',
  }),
  deviceInterval: option({
    type: 'integer',
    default: 5,
    min: 1,
    unit: 's',
    description:
      'Least time between two polls of a device code, sent as `interval` (milliseconds in the zoho profiles).',
  }),
  deviceSlowDown: option<'interval' | 'zoho-30s'>({
    type: 'string',
    default: 'interval',
    values: ['interval', 'zoho-30s'],
    description:
      "When a device poll is answered `slow_down`: polled again within `interval` (SPEC R13.2, RFC 8628), or within 30 seconds as Zoho's polling page documents (https://www.zoho.com/accounts/protocol/oauth/devices/polling-request.html).",
  }),
  refreshTokenCap: option({
    type: 'integer',
    default: 20,
    min: 1,
    description: 'Live refresh tokens per user and client; the oldest is evicted past it.',
  }),
  limits: option<LimitPreset>({
    type: 'string',
    default: 'seed',
    values: LIMIT_PRESETS,
    description:
      "Limit preset (SPEC R12.4): the seed's caps, or Zoho Accounts' (10 access tokens per refresh token), CRM's (15) or Projects' (a 21st refresh token is refused). `--refresh-token-cap` and `--access-tokens-per-refresh` override it.",
  }),
  accessTokensPerRefresh: option({
    type: 'integer',
    default: 20,
    min: 1,
    description: 'Live access tokens per refresh token; the oldest is invalidated past it.',
  }),
  refreshMintLimit: option({
    type: 'integer',
    default: 10,
    min: 1,
    description: 'Access tokens the refresh grant may mint per refresh token per window.',
  }),
  codeLimit: option({
    type: 'integer',
    default: 10,
    min: 1,
    description: 'Authorization codes per client per window.',
  }),
  throttleWindow: option({
    type: 'integer',
    default: 600,
    min: 1,
    unit: 's',
    description: 'Window of the refresh and code throttles.',
  }),
  loginLimit: option({
    type: 'integer',
    default: 10,
    min: 1,
    description: 'Failed sign-ins per account per login window.',
  }),
  loginAddressLimit: option({
    type: 'integer',
    default: 100,
    min: 1,
    description:
      'Failed sign-ins per client address per login window (higher: many people may share an address).',
  }),
  loginWindow: option({
    type: 'integer',
    default: 900,
    min: 1,
    unit: 's',
    description: 'Window of the sign-in throttle.',
  }),
  clientAuthLimit: option({
    type: 'integer',
    default: 20,
    min: 1,
    description: 'Failed client authentications per client id per login window.',
  }),
  requestTimeout: option({
    type: 'integer',
    default: 30,
    min: 1,
    unit: 's',
    description:
      'Time a client has to send a whole request (headers and body); slower connections are answered 408 and closed.',
  }),
  sessionTtl: option({
    type: 'integer',
    default: 86400,
    min: 60,
    unit: 's',
    description: 'Lifetime of a sign-in session.',
  }),
  scopes: option<string | undefined>({
    type: 'string',
    default: undefined,
    description:
      'Scope catalogue (SPEC R12.5): `seed` (AaaServer and SalesIQ), `zoho` (the seed plus the documented scopes of 16 more Zoho products, from catalogues/zoho/), `any` (every well-formed scope), or a JSON file added to the seed. Default: `zoho` in the zoho profiles, `seed` in rfc.',
  }),
  scopesFile: option<string | undefined>({
    type: 'string',
    default: undefined,
    description:
      'JSON file of extra scopes `{"scopes":[{"name","description"}]}` added to the catalogue.',
  }),
  logLevel: option({
    type: 'string',
    default: 'info',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'Log level (pino).',
  }),
  resources: option<string | undefined>({
    type: 'string',
    default: undefined,
    description:
      'Resource URIs (RFC 8707) tokens may be issued for, comma-separated; any other `resource` is `invalid_target` (default: any absolute URI without a fragment).',
  }),
  requirePar: option({
    type: 'boolean',
    default: false,
    description:
      'Accept authorization requests only through pushed authorization requests (RFC 9126 `request_uri` from `/oauth/v2/par`).',
  }),
  parLifetime: option({
    type: 'integer',
    default: 60,
    min: 1,
    unit: 's',
    description: 'Lifetime of a pushed authorization request (`request_uri`, used once).',
  }),
  registration: option<'off' | 'open' | 'token'>({
    type: 'string',
    default: 'off',
    values: ['off', 'open', 'token'],
    description:
      'Dynamic client registration (RFC 7591, RFC 7592) at `POST /oauth/v2/register`: off, open to anyone, or only with an initial access token from `tollgate registration-token create`.',
  }),
  registrationLimit: option({
    type: 'integer',
    default: 20,
    min: 1,
    description:
      'Dynamic registrations (`POST /oauth/v2/register`, answered or refused) per client address per throttle window.',
  }),
  allowLoopbackClientMetadata: option({
    type: 'boolean',
    default: false,
    description:
      'Fetch Client ID Metadata Documents from loopback and private addresses too (for tests and local development only; SPEC R14.4).',
  }),
  clientMetadataTimeout: option({
    type: 'integer',
    default: 5000,
    min: 50,
    max: 5000,
    unit: 'ms',
    description:
      'Longest a Client ID Metadata Document fetch may take, connection included (SPEC R14.4: 5 s).',
  }),
  dpopIatWindow: option({
    type: 'integer',
    default: 60,
    min: 1,
    max: 600,
    unit: 's',
    description:
      'How old a DPoP proof may be (its `iat`, RFC 9449 §11.1); proofs are accepted once (`jti`) within this window (SPEC R14.7).',
  }),
  accessTokenFormat: option<'opaque' | 'jwt'>({
    type: 'string',
    default: 'opaque',
    values: ['opaque', 'jwt'] as const,
    description:
      'Access tokens as Zoho-style opaque strings, or as signed JWTs (RFC 9068) that APIs can verify from the keys without a call (SPEC R14.8); a client may override it.',
  }),
  tokenCacheTtl: option({
    type: 'integer',
    default: 30,
    min: 0,
    max: 3_600,
    unit: 's',
    description:
      'How long a validated access token is remembered in process by user info, introspection and the API (0: off). Revocation stays immediate (SPEC R15.6): every revocation empties the cache of its process; on PostgreSQL that of every instance (LISTEN/NOTIFY), and an instance whose listening connection is down does not use its cache; on SQLite, a commit by any other process (the CLI, a second server on the same file) empties it before the next lookup (PRAGMA data_version).',
  }),
  janitorInterval: option({
    type: 'integer',
    default: 60,
    min: 1,
    max: 86_400,
    unit: 's',
    description:
      'How often the janitor deletes expired codes, device codes, tokens, sessions and throttle counters (one instance at a time on PostgreSQL).',
  }),
  auditRetention: option({
    type: 'integer',
    default: 90,
    min: 1,
    max: 3_650,
    unit: 'days',
    description:
      'How long audit events (SPEC R15.3: sign-ins, consents, client changes, revocations, admin-key use) are kept; the janitor deletes older ones.',
  }),
  dbStatementTimeout: option({
    type: 'integer',
    default: 5_000,
    min: 100,
    max: 600_000,
    unit: 'ms',
    description:
      'Longest a PostgreSQL statement or a wait for a pooled connection may take; past it the request is answered 503.',
  }),
  groupCommit: option<'on' | 'off'>({
    type: 'string',
    default: 'on',
    values: ['on', 'off'],
    description:
      'Group commit (SPEC R16): refreshes and code exchanges that arrive together run in one database transaction, each in its own savepoint with its own outcome, answered after the one commit; caps and throttles stay exact. Off: one transaction each.',
  }),
  metrics: option({
    type: 'boolean',
    default: false,
    description:
      'Serve Prometheus metrics at `GET /metrics` (SPEC R15.2; docs/metrics.md lists them). Off: `/metrics` is 404.',
  }),
  emulator: option({
    type: 'boolean',
    default: false,
    description:
      'Serve the emulator controls under `/_emulator/` (clock, faults, request log; SPEC R12) and the page at `/_emulator`.',
  }),
  demo: option({
    type: 'boolean',
    default: false,
    description: 'Create a demo user and a demo app on first start and print their credentials.',
  }),
} as const;

type Schema = typeof CONFIG_SCHEMA;

/**
 * A bad option value; `option` is the schema key. The message names where the value came from:
 * the flag, or the environment variable (a flag the user never typed would only mislead).
 */
export class ConfigError extends TollgateError {
  readonly option: string;
  readonly problem: string;
  constructor(option: string, problem: string, source: string = `--${flagName(option)}`) {
    super('config_invalid', `${source}: ${problem}`);
    this.option = option;
    this.problem = problem;
  }
}
export type ConfigKey = keyof Schema;
export type Config = { readonly [K in ConfigKey]: Schema[K]['default'] };
export type ConfigInput = { [K in ConfigKey]?: unknown };

export const flagName = (key: string): string =>
  key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const envName = (key: string): string =>
  `TOLLGATE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function coerce(key: string, spec: OptionSpec<unknown>, raw: unknown, source: string): unknown {
  const fail = (why: string): never => {
    throw new ConfigError(key, `${why} (got ${JSON.stringify(raw)})`, source);
  };
  switch (spec.type) {
    case 'integer': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^\d+$/.test(raw)
            ? Number(raw)
            : NaN;
      if (!Number.isSafeInteger(n)) return fail('expected a whole number');
      if (spec.min !== undefined && n < spec.min) return fail(`must be at least ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) return fail(`must be at most ${spec.max}`);
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return fail('expected true or false');
    case 'url': {
      if (typeof raw !== 'string') return fail('expected a URL');
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return fail('expected an absolute http(s) URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return fail('expected http or https');
      return raw.replace(/\/+$/, '');
    }
    case 'string':
      if (typeof raw !== 'string' || raw.length === 0) return fail('expected a value');
      if (spec.values && !spec.values.includes(raw))
        return fail(`expected one of ${spec.values.join(', ')}`);
      return raw;
  }
}

/**
 * Builds a frozen config from explicit values (flags, or a test's object), then environment
 * variables, then defaults.
 * @throws TollgateError `config_invalid` naming the option.
 */
export function parseConfig(input: ConfigInput = {}, env: NodeJS.ProcessEnv = {}): Config {
  const out: Record<string, unknown> = {};
  const explicit = new Set<string>();
  const sources: Record<string, string> = {};
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [string, OptionSpec<unknown>][]) {
    const given = (input as Record<string, unknown>)[key];
    const fromEnv = env[envName(key)];
    const useEnv = given === undefined && fromEnv !== undefined && fromEnv !== '';
    const raw = given !== undefined ? given : useEnv ? fromEnv : undefined;
    const source = useEnv ? envName(key) : `--${flagName(key)}`;
    if (raw !== undefined) explicit.add(key);
    sources[key] = source;
    out[key] = raw === undefined ? spec.default : coerce(key, spec, raw, source);
  }
  // A limit preset fills the caps it names, unless a single-limit option was given (SPEC R12.4).
  const preset = LIMIT_PRESET_VALUES[out.limits as LimitPreset];
  for (const key of ['refreshTokenCap', 'accessTokensPerRefresh'] as const) {
    const value = preset[key];
    if (value !== undefined && !explicit.has(key)) out[key] = value;
  }
  // HTTPS needs the certificate and its key: one alone is a mistake, not plain HTTP.
  for (const [given, missing] of [
    ['tlsCert', 'tlsKey'],
    ['tlsKey', 'tlsCert'],
  ] as const) {
    if (out[given] !== undefined && out[missing] === undefined)
      throw new ConfigError(
        given,
        `needs --${flagName(missing)} (or ${envName(missing)}) too: give both, or neither for HTTP`,
        sources[given],
      );
  }
  if (typeof out.dataCentres === 'string') {
    const parsed = parseDataCentres(out.dataCentres);
    if ('problem' in parsed) throw new ConfigError('dataCentres', parsed.problem);
    out.dataCentres = parsed.names.join(',');
  }
  return Object.freeze(out) as Config;
}

/** The Markdown options table for the README, generated from the schema. */
export function configTable(): string {
  const rows = Object.entries(CONFIG_SCHEMA).map(([key, s]) => {
    const spec = s as OptionSpec<unknown>;
    const flag =
      spec.type === 'boolean' && spec.default === true
        ? `--no-${flagName(key)}`
        : `--${flagName(key)}`;
    const def = spec.default === undefined ? '' : `\`${String(spec.default)}\``;
    const values = spec.values ? ` One of: ${spec.values.map((v) => `\`${v}\``).join(', ')}.` : '';
    return `| \`${flag}\` | \`${envName(key)}\` | ${def} | ${spec.unit ?? ''} | ${spec.description}${values} |`;
  });
  return [
    '| flag | environment | default | unit | what it does |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * The data centres a server serves, in order: `--data-centres`, or just its `--location`.
 * The first is the server's own location (SPEC R13.1).
 */
export function dataCentresOf(config: Pick<Config, 'dataCentres' | 'location'>): string[] {
  return config.dataCentres === undefined ? [config.location] : config.dataCentres.split(',');
}
