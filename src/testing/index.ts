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
import type { FastifyInstance } from 'fastify';
import { CONFIG_SCHEMA, ConfigError, parseConfig, type ConfigInput } from '../core/config.ts';
import { TollgateError } from '../core/errors.ts';
import { hashPassword } from '../core/passwords.ts';
import { isWireProfile, type WireProfile } from '../core/profiles.ts';
import { CLIENT_TYPES, registerClient } from '../core/registration.ts';
import { openStore } from '../store/open-store.ts';
import type { ClientType, Store } from '../store/types.ts';
import { listenDataCentres, type DataCentreApps } from '../server/data-centres.ts';
import {
  emulatorControls,
  type EmulatorClockControl,
  type EmulatorFaultControl,
  type EmulatorRequestControl,
} from './emulator-controls.ts';
import { Browser, readErrorPage, walkAuthorization, type ConsentDecision } from './browser.ts';

/** Config options a test may set, beside the handle's own (`port`, `db`). */
type ServerOptionKey = Exclude<keyof typeof CONFIG_SCHEMA, 'host' | 'port' | 'db' | 'demo'>;

/**
 * Options of {@link startTollgate}: every server option of `tollgate serve` (camelCase, e.g.
 * `profile`, `throttle`, `accessTokenTtl`, `codeTtl`), plus where to listen and what to store in.
 */
export type StartTollgateOptions = { [K in ServerOptionKey]?: unknown } & {
  /** Wire dialect (SPEC R0): `zoho` (default), `zoho-legacy` or `rfc`. */
  profile?: WireProfile;
  /** Apply Zoho's throttles (default true: Zoho throttles, and your code should cope). */
  throttle?: boolean;
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** Database: `:memory:` (default), a SQLite file, or a `postgres://` URL with `?schema=`. */
  db?: string;
  /**
   * Data centres served by this handle (SPEC R13.1), e.g. `['us', 'eu']` or `'us,eu'`: one
   * listener each, sharing the database; the first is `url`, all are in `locations`.
   */
  dataCentres?: string | readonly string[];
};

/** A person who can sign in. */
export interface TestUser {
  zuid: number;
  email: string;
  password: string;
}

/** A registered confidential app (`server`, `self`). `clientSecret` is shown once, as by the console. */
export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface CreateUserOptions {
  email?: string;
  password?: string;
  firstName?: string;
  lastName?: string;
  /** Home data centre (SPEC R13.1): one of the handle's `dataCentres` (default: the first). */
  dc?: string;
}

/** A registered public app (`client`, `mobile`): no secret, PKCE instead. */
export interface PublicTestClient {
  clientId: string;
  clientSecret: undefined;
  redirectUris: string[];
}

export interface CreateClientOptions {
  name?: string;
  /** `server` (default), `client`, `mobile` or `self` (SPEC R2). */
  type?: ClientType;
  /** Default `https://app.example.com/callback` (none for self clients). */
  redirectUris?: string[];
  /** The developer who owns the app (its console lists it): a user, an email or a ZUID. */
  owner?: TestUser | string | number;
  /** The app's own wire dialect, overriding the server's. */
  profile?: WireProfile;
  /** The data centres the app is enabled in ("Multi DC", SPEC R13.1; default: all). */
  dataCentres?: readonly string[];
}

export interface AuthorizeOptions {
  clientId: string;
  /** Who signs in: a user from {@link TollgateHandle.createUser}, or the email of one. */
  user: TestUser | string;
  /** Comma- or space-separated scopes, or a list. */
  scope: string | readonly string[];
  accessType?: 'online' | 'offline';
  prompt?: string;
  /** Default: the app's only redirect URI (sent explicitly, as apps do). */
  redirectUri?: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** Resource indicators (RFC 8707, SPEC R14.1): the APIs the token is for, sent as `resource`. */
  resource?: string | readonly string[];
  /** What the person answers on the consent page, if it is shown (default `accept`). */
  consent?: ConsentDecision;
  /** Any other query parameter of the authorization request. */
  extraParams?: Record<string, string>;
  /** The data centre where the person starts (SPEC R13.1; default: the first). */
  dc?: string;
}

/** The redirect to the app with a code (SPEC R3.5). */
export interface AuthorizeSuccess {
  code: string;
  state: string | undefined;
  location: string | undefined;
  accountsServer: string | undefined;
  /** The whole redirect URL. */
  url: string;
}

/**
 * An error: sent to the app by redirect (`url` set), or shown to the person on an error page
 * (`url` undefined, `status` the page's HTTP status; e.g. an unknown client, SPEC R3.2).
 */
export interface AuthorizeError {
  error: string;
  errorDescription: string | undefined;
  state?: string | undefined;
  url: string | undefined;
  status?: number;
}

export type AuthorizeResult = AuthorizeSuccess | AuthorizeError;

/** A running Tollgate, for one test file or one test. */
export interface TollgateHandle {
  /** Base URL (`http://127.0.0.1:<port>`): the issuer, accounts server and API domain. */
  readonly url: string;
  /** Every data centre's URL by name (SPEC R13.1); one entry unless `dataCentres` was given. */
  readonly locations: Readonly<Record<string, string>>;
  createUser(options?: CreateUserOptions): Promise<TestUser>;
  createClient(options?: CreateClientOptions & { type?: 'server' | 'self' }): Promise<TestClient>;
  /** A public app (`client`, `mobile`) has no secret (RFC 6749 §2.1): it uses PKCE. */
  createClient(
    options: CreateClientOptions & { type: 'client' | 'mobile' },
  ): Promise<PublicTestClient>;
  createClient(options?: CreateClientOptions): Promise<TestClient | PublicTestClient>;
  /** Runs the browser part of the code flow and returns the redirect the app would get. */
  authorize(options: AuthorizeOptions): Promise<AuthorizeResult>;
  /**
   * The same for an authorization URL your app built (with `@tollgate/client` or by hand): the
   * person opens it, signs in and answers the consent page.
   */
  openAuthorizationUrl(
    url: string | URL,
    options: { user: TestUser | string; consent?: ConsentDecision },
  ): Promise<AuthorizeResult>;
  /** The server's clock (SPEC R12.1): codes, tokens, sessions and throttle windows follow it. */
  readonly clock: EmulatorClockControl;
  /** Fault rules (SPEC R12.2): make an endpoint fail the way Zoho fails. */
  readonly faults: EmulatorFaultControl;
  /** What your code sent and what it got back (SPEC R12.3), secrets masked. */
  readonly requests: EmulatorRequestControl;
  /** Stops the server and discards its database. A second call does nothing. */
  stop(): Promise<void>;
}

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
  const store = await openStore(config.db, { statementTimeoutMs: config.dbStatementTimeout });
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

function createHandle(listening: DataCentreApps, store: Store): TollgateHandle {
  const app = listening.apps[0] as FastifyInstance;
  const ctx = app.tollgate;
  const url = listening.addresses[ctx.dataCentre] as string;
  const locations = Object.freeze({ ...listening.addresses });
  const knownDc = (dc: string, where: string): string => {
    if (!ctx.dataCentres.includes(dc))
      throw new TollgateError(
        'testing_usage',
        `${where}: unknown data centre '${dc}' (this Tollgate serves ${ctx.dataCentres.join(', ')}).`,
      );
    return dc;
  };
  const passwords = new Map<string, string>();
  const browsers = new Map<string, Browser>();
  let stopping: Promise<void> | undefined;
  let users = 0;

  const findUser = (who: TestUser | string): TestUser => {
    const email = (typeof who === 'string' ? who : who.email).toLowerCase();
    const password = typeof who === 'string' ? passwords.get(email) : who.password;
    if (password === undefined)
      throw new TollgateError(
        'testing_usage',
        `authorize(): no user ${email} was created by this handle.`,
      );
    return { zuid: typeof who === 'string' ? 0 : who.zuid, email, password };
  };

  const ownerZuid = async (owner: CreateClientOptions['owner']): Promise<number | null> => {
    if (owner === undefined) return null;
    if (typeof owner === 'number') return owner;
    const email = typeof owner === 'string' ? owner : owner.email;
    const found = await store.findUserByEmail(email);
    if (!found)
      throw new TollgateError(
        'testing_usage',
        `createClient(): the owner ${email} does not exist.`,
      );
    return found.zuid;
  };

  /** The person opens an authorization URL in their own browser (sessions persist per person). */
  const open = async (
    user: TestUser,
    path: string,
    consent: ConsentDecision | undefined,
    base = url,
  ): Promise<AuthorizeResult> => {
    const key = `${user.email} ${base}`;
    let browser = browsers.get(key);
    if (!browser) browsers.set(key, (browser = new Browser(base)));
    const outcome = await walkAuthorization(browser, user, path, consent);
    if ('page' in outcome) {
      const shown = readErrorPage(outcome.page.html) ?? {
        error: 'unexpected_page',
        description: `Tollgate answered ${outcome.page.status} with a page that is not an error page.`,
      };
      return {
        error: shown.error,
        errorDescription: shown.description,
        url: undefined,
        status: outcome.page.status,
      };
    }
    const p = outcome.redirect.searchParams;
    const state = p.get('state') ?? undefined;
    const code = p.get('code');
    if (code === null) {
      return {
        error: p.get('error') ?? 'unknown',
        errorDescription: p.get('error_description') ?? undefined,
        state,
        url: outcome.redirect.toString(),
      };
    }
    return {
      code,
      state,
      location: p.get('location') ?? undefined,
      accountsServer: p.get('accounts-server') ?? undefined,
      url: outcome.redirect.toString(),
    };
  };

  return {
    url,
    locations,

    ...emulatorControls(ctx),

    async createUser(o = {}) {
      const email =
        o.email ?? `user${++users}.${Math.random().toString(36).slice(2, 8)}@example.com`;
      const password = o.password ?? `pw-${Math.random().toString(36).slice(2)}`;
      const firstName = o.firstName ?? 'Test';
      const lastName = o.lastName ?? 'User';
      const result = await store.createUser(
        {
          email,
          passwordHash: await hashPassword(password),
          firstName,
          lastName,
          displayName: `${firstName} ${lastName}`,
          dc: o.dc === undefined ? null : knownDc(o.dc, 'createUser()'),
        },
        ctx.now(),
      );
      if (result.outcome === 'email-taken')
        throw new TollgateError('testing_usage', `createUser(): ${email} is taken.`);
      const { user } = result;
      passwords.set(user.email, password);
      return { zuid: user.zuid, email: user.email, password };
    },

    async createClient(o = {}) {
      const type = o.type ?? 'server';
      if (!CLIENT_TYPES.includes(type))
        throw new TollgateError(
          'testing_usage',
          `createClient(): type must be one of ${CLIENT_TYPES.join(', ')}.`,
        );
      if (o.profile !== undefined && !isWireProfile(o.profile))
        throw new TollgateError(
          'testing_usage',
          `createClient(): unknown profile ${String(o.profile)}.`,
        );
      const redirectUris =
        o.redirectUris ?? (type === 'self' ? [] : ['https://app.example.com/callback']);
      const { client, clientSecret } = await registerClient(
        store,
        {
          name: o.name ?? 'Test App',
          domain: 'https://app.example.com',
          redirectUris,
          type,
          profile: o.profile ?? null,
          ...(o.dataCentres === undefined
            ? {}
            : { dataCentres: o.dataCentres.map((dc) => knownDc(dc, 'createClient()')) }),
        },
        await ownerZuid(o.owner),
        ctx.now(),
      );
      // The overloads tie `clientSecret` to the type: a string exactly for confidential apps.
      const created: TestClient | PublicTestClient =
        clientSecret === undefined
          ? { clientId: client.clientId, clientSecret, redirectUris: client.redirectUris }
          : { clientId: client.clientId, clientSecret, redirectUris: client.redirectUris };
      return created as TestClient & PublicTestClient;
    },

    async authorize(o) {
      const user = findUser(o.user);
      const redirectUri = o.redirectUri ?? (await store.findClient(o.clientId))?.redirectUris[0];
      const query = new URLSearchParams({ response_type: 'code', client_id: o.clientId });
      if (redirectUri !== undefined) query.set('redirect_uri', redirectUri);
      query.set('scope', typeof o.scope === 'string' ? o.scope : o.scope.join(','));
      if (o.accessType !== undefined) query.set('access_type', o.accessType);
      if (o.prompt !== undefined) query.set('prompt', o.prompt);
      if (o.state !== undefined) query.set('state', o.state);
      if (o.codeChallenge !== undefined) query.set('code_challenge', o.codeChallenge);
      if (o.codeChallengeMethod !== undefined)
        query.set('code_challenge_method', o.codeChallengeMethod);
      for (const resource of typeof o.resource === 'string' ? [o.resource] : (o.resource ?? []))
        query.append('resource', resource);
      for (const [name, value] of Object.entries(o.extraParams ?? {})) query.set(name, value);
      const base = o.dc === undefined ? url : (locations[knownDc(o.dc, 'authorize()')] as string);
      return open(user, `/oauth/v2/auth?${query.toString()}`, o.consent, base);
    },

    openAuthorizationUrl(target, o) {
      const parsed = new URL(target, url);
      const base = Object.values(locations).find((dc) => new URL(dc).origin === parsed.origin);
      if (base === undefined) {
        throw new TollgateError(
          'testing_usage',
          `openAuthorizationUrl(): ${parsed.origin} is not this Tollgate (${url}).`,
        );
      }
      return open(findUser(o.user), parsed.pathname + parsed.search, o.consent, base);
    },

    stop() {
      stopping ??= (async () => {
        await listening.close();
        await store.close();
      })();
      return stopping;
    },
  };
}

export type { ConsentDecision } from './browser.ts';
export {
  parseDuration,
  type EmulatorClockControl,
  type EmulatorFaultControl,
  type EmulatorRequestControl,
} from './emulator-controls.ts';
export type { FaultInput, FaultRule } from '../core/faults.ts';
export type { LoggedRequest, RequestFilter } from '../core/request-log.ts';
