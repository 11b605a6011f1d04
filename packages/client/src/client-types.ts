/** The public types of {@link createClient}: its options, its requests and answers, the client. */
import type {
  DeviceAuthorization,
  DeviceAuthorizationOptions,
  PollDeviceOptions,
} from './device-flow.ts';
import type { DataCentre } from './data-centres.ts';
import type { ThrottleSettings } from './http.ts';
import type { TokenStore } from './stores/token-store.ts';
import type { TokenSet } from './token-set.ts';

/** Options of {@link createClient}. Give `accountsUrl` (e.g. a Tollgate server) or `dc`. */
export interface ClientOptions {
  /** The accounts server's base URL, e.g. `http://127.0.0.1:3000` for Tollgate. */
  readonly accountsUrl?: string;
  /** A Zoho data centre, instead of `accountsUrl`. */
  readonly dc?: DataCentre;
  /**
   * With `dc`: accounts servers to use instead of Zoho's, per data centre, e.g. a multi-DC
   * Tollgate's `{ us: 'http://127.0.0.1:3000', eu: 'http://127.0.0.1:3001' }`. The client
   * starts at `dc`'s and follows `location`/`accounts-server` to the others (they are trusted).
   */
  readonly accountsUrls?: Readonly<Partial<Record<DataCentre, string>>>;
  readonly clientId: string;
  /** Omit for public clients (`client` and `mobile` types), which must use PKCE. */
  readonly clientSecret?: string;
  /** Required for the authorization-code flow; self clients have none. */
  readonly redirectUri?: string;
  readonly scopes: readonly string[];
  /** Where tokens live (default: memory, lost on exit). */
  readonly store?: TokenStore;
  /** Refresh this long before expiry (default 60 s; never before half the token's lifetime). */
  readonly refreshMarginSeconds?: number;
  /** Per-request timeout (default 30000 ms). */
  readonly timeoutMs?: number;
  /** How long to wait for a throttled server (default: 2 retries, 2 s doubling, 15 s in all). */
  readonly throttle?: Partial<ThrottleSettings>;
  /**
   * Accounts servers a callback's `accounts-server` may name, besides the configured one (and,
   * with `dc`, every Zoho data centre). Anything else is refused: sending a code and the client
   * secret to a server named by an attacker-controlled URL would leak both.
   */
  readonly trustedAccountsServers?: readonly string[];
  /** The fetch implementation (default: the global one). */
  readonly fetch?: typeof globalThis.fetch;
  /** The clock, epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/** Options of {@link TollgateClient.authorizationUrl}. */
export interface AuthorizationUrlOptions {
  /** Generated (256 random bits) when not given. */
  readonly state?: string;
  /** `offline` asks for a refresh token, issued only on first consent (or with `prompt`). */
  readonly accessType?: 'online' | 'offline';
  /** `consent` shows the consent page again, and so yields a new refresh token. */
  readonly prompt?: 'consent';
  /** PKCE S256 (default true); pass a verifier to choose it. */
  readonly pkce?: boolean | { readonly codeVerifier: string };
  /** Scopes for this request (default: the client's). */
  readonly scopes?: readonly string[];
}

/** An authorization request: send the user to `url`; keep `state` and `codeVerifier`. */
export interface AuthorizationRequest {
  readonly url: string;
  readonly state: string;
  readonly codeVerifier?: string | undefined;
}

/**
 * What {@link TollgateClient.handleCallback} checks the callback against. Defaults to what
 * `authorizationUrl` generated in this process; a web app handling the callback elsewhere
 * passes the values it kept in the user's session.
 */
export interface CallbackChecks {
  readonly state: string;
  readonly codeVerifier?: string | undefined;
}

/** Options of {@link TollgateClient.exchangeCode}. */
export interface ExchangeCodeOptions {
  readonly codeVerifier?: string | undefined;
  /** Where the code came from (default: the configured accounts server). */
  readonly accountsServer?: string | undefined;
  readonly location?: string | undefined;
  /** `null` for self-client codes, which are exchanged without one (default: the client's). */
  readonly redirectUri?: string | null;
}

/** The user info answer of `GET /oauth/user/info`. */
export interface UserInfo {
  readonly First_Name: string;
  readonly Last_Name: string;
  readonly Email: string;
  readonly Display_Name: string;
  readonly ZUID: number;
  readonly [field: string]: unknown;
}

/** A client of one OAuth app, bound to one token store. Created by {@link createClient}. */
export interface TollgateClient {
  /** The configured accounts server (a callback may name another one). */
  readonly accountsServer: string;
  /**
   * Builds the authorization URL, generating `state` and a PKCE verifier.
   *
   * @see RFC 6749 §4.1.1, RFC 7636 §4.3
   */
  authorizationUrl(options?: AuthorizationUrlOptions): AuthorizationRequest;
  /**
   * Completes sign-in from the redirect URL: checks `state`, reads `code`, `location` and
   * `accounts-server`, exchanges the code at that accounts server, stores the tokens.
   *
   * @see RFC 6749 §4.1.2, RFC 9700 §4.7
   */
  handleCallback(url: string | URL, checks?: CallbackChecks): Promise<TokenSet>;
  /**
   * Exchanges an authorization code (or a self client's grant code) and stores the tokens.
   *
   * @see RFC 6749 §4.1.3
   */
  exchangeCode(code: string, options?: ExchangeCodeOptions): Promise<TokenSet>;
  /**
   * Starts Zoho's device flow (`/oauth/v3/device/code`): show the person `userCode` and
   * `verificationUrl`, then call {@link pollDeviceAuthorization}.
   *
   * @see RFC 8628 §3.1
   */
  startDeviceAuthorization(options?: DeviceAuthorizationOptions): Promise<DeviceAuthorization>;
  /**
   * Polls until the person approved the device (then stores and returns the tokens), waiting the
   * interval between polls, five seconds more after `slow_down`, and following `other_dc` to the
   * person's data centre. Rejects with the server's `access_denied` or `expired`, or `timeout`.
   *
   * @see RFC 8628 §3.4-§3.5
   */
  pollDeviceAuthorization(
    authorization: DeviceAuthorization,
    options?: PollDeviceOptions,
  ): Promise<TokenSet>;
  /**
   * Refreshes now, whatever the token's age (single-flight like {@link getAccessToken}).
   *
   * @see RFC 6749 §6
   */
  refresh(): Promise<TokenSet>;
  /**
   * A valid access token: the stored one while it has more than the margin left, else a
   * refreshed one. Concurrent calls share one refresh, and so do processes sharing a store
   * that implements `lock` (the file store does).
   */
  getAccessToken(): Promise<string>;
  /** The stored tokens, if any. */
  getTokens(): Promise<TokenSet | undefined>;
  /**
   * Revokes the refresh token (or the access token when there is none) and forgets the tokens.
   *
   * @see RFC 7009 §2
   */
  revoke(): Promise<void>;
  /** `GET /oauth/user/info` on the accounts server that issued the tokens (scope `AaaServer.profile.READ`). */
  userInfo(): Promise<UserInfo>;
  /**
   * `fetch` with `Authorization: Zoho-oauthtoken ...`; a relative path resolves against the
   * token's `api_domain`. When the API rejects the token, refreshes and retries once (not
   * when the body is a stream, which cannot be sent twice).
   *
   * @see RFC 6750 §3.1
   */
  fetch(pathOrUrl: string | URL, init?: RequestInit): Promise<Response>;
}
