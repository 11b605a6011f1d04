/** The public types of `tollgate/testing` (SPEC R11.4): options, users, apps, results, the handle. */
import type { CONFIG_SCHEMA } from '../core/config.ts';
import type { WireProfile } from '../core/profiles.ts';
import type { ClientType } from '../store/types.ts';
import type { ConsentDecision } from './browser.ts';
import type {
  EmulatorClockControl,
  EmulatorFaultControl,
  EmulatorRequestControl,
} from './emulator-controls.ts';

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
