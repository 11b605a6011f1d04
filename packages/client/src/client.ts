import { DATA_CENTRES, findDataCentreByAccountsServer, isDataCentre } from './data-centres.ts';
import type { DataCentre } from './data-centres.ts';
import { OAuthError, TollgateClientError } from './errors.ts';
import type { RequestSummary } from './errors.ts';
import { findOAuthError, postForm, readJsonObject, sendRequest } from './http.ts';
import type { HttpSettings, ThrottleSettings } from './http.ts';
import { computeCodeChallenge, generateRandomValue } from './pkce.ts';
import { readApiRejection } from './api-rejection.ts';
import { createMemoryStore } from './stores/memory-store.ts';
import type { TokenStore } from './stores/token-store.ts';
import { parseTokenResponse, refreshDueAt } from './token-set.ts';
import type { TokenSet } from './token-set.ts';

/** Options of {@link createClient}. Give `accountsUrl` (e.g. a Tollgate server) or `dc`. */
export interface ClientOptions {
  /** The accounts server's base URL, e.g. `http://127.0.0.1:3000` for Tollgate. */
  readonly accountsUrl?: string;
  /** A Zoho data centre, instead of `accountsUrl`. */
  readonly dc?: DataCentre;
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

const PENDING_LIMIT = 100;

/** Creates a client for one OAuth app. */
export function createClient(options: ClientOptions): TollgateClient {
  const accountsServer = resolveAccountsServer(options);
  const dc = options.dc ?? findDataCentreByAccountsServer(accountsServer);
  const store = options.store ?? createMemoryStore();
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginSeconds ?? 60;
  const http: HttpSettings = {
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? 30_000,
    throttle: {
      maxRetries: options.throttle?.maxRetries ?? 2,
      baseDelayMs: options.throttle?.baseDelayMs ?? 2000,
      maxWaitMs: options.throttle?.maxWaitMs ?? 15_000,
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const trusted = new Set([
    accountsServer,
    ...(options.trustedAccountsServers ?? []).map(normalizeServer),
  ]);
  if (options.dc !== undefined) {
    for (const info of Object.values(DATA_CENTRES)) trusted.add(info.accountsServer);
  }
  const pending = new Map<string, string | undefined>();
  let cached: TokenSet | undefined;
  let inflight: Promise<TokenSet> | undefined;

  const isDue = (tokens: TokenSet): boolean => now() >= refreshDueAt(tokens, margin);

  const save = async (tokens: TokenSet): Promise<TokenSet> => {
    await store.set(tokens);
    cached = tokens;
    return tokens;
  };

  const load = async (): Promise<TokenSet> => {
    const tokens = await store.get();
    if (tokens === undefined) {
      cached = undefined;
      throw new TollgateClientError('not_signed_in', 'No tokens are stored for this client.', {
        hint: 'Sign in first (authorizationUrl + handleCallback, or `tollgate login`).',
      });
    }
    if (tokens.clientId !== options.clientId) {
      throw new TollgateClientError(
        'store_foreign',
        `The stored tokens belong to client ${tokens.clientId}, not ${options.clientId}.`,
        { hint: 'Use one store (or file profile) per client.' },
      );
    }
    return tokens;
  };

  const requestRefresh = async (current: TokenSet): Promise<TokenSet> => {
    if (current.refreshToken === undefined) {
      throw new TollgateClientError(
        'no_refresh_token',
        'The access token expired and there is no refresh token.',
        {
          hint:
            'Sign in with accessType "offline". Zoho issues a refresh token only on the first ' +
            'consent, so if the app was authorized before, also pass prompt "consent".',
        },
      );
    }
    const url = endpoint(current.accountsServer, 'oauth/v2/token');
    const { body } = await postForm(http, url, {
      grant_type: 'refresh_token',
      refresh_token: current.refreshToken,
      client_id: options.clientId,
      ...(options.clientSecret === undefined ? {} : { client_secret: options.clientSecret }),
    });
    const tokens = parseTokenResponse(body, {
      accountsServer: current.accountsServer,
      clientId: options.clientId,
      location: current.location,
      previousRefreshToken: current.refreshToken,
      requestedScopes: current.scopes,
      request: { method: 'POST', url },
      now: now(),
    });
    return save({ ...tokens, apiDomain: tokens.apiDomain ?? current.apiDomain });
  };

  /**
   * One refresh at a time: in this process through `inflight`, across processes through the
   * store's lock. Inside the lock the store is read again, and `stillNeeded` decides whether
   * someone else's refresh already did the job.
   */
  const refreshOnce = (stillNeeded: (current: TokenSet) => boolean): Promise<TokenSet> => {
    inflight ??= (async () => {
      try {
        const task = async (): Promise<TokenSet> => {
          const current = await load();
          if (!stillNeeded(current)) {
            cached = current;
            return current;
          }
          return requestRefresh(current);
        };
        return await (store.lock ? store.lock(task) : task());
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };

  const freshTokens = async (): Promise<TokenSet> => {
    if (cached !== undefined && !isDue(cached)) return cached;
    const stored = await load();
    if (!isDue(stored)) {
      cached = stored;
      return stored;
    }
    return refreshOnce(isDue);
  };

  /** After an API refused `rejected`, refresh unless another caller already replaced it. */
  const replaceRejected = (rejected: string): Promise<TokenSet> =>
    refreshOnce((current) => current.accessToken === rejected);

  const authorizedFetch = async (url: string, init: RequestInit): Promise<Response> => {
    const tokens = await freshTokens();
    const send = (token: string): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Zoho-oauthtoken ${token}`);
      return sendRequest(http, url, { ...init, headers, redirect: init.redirect ?? 'follow' });
    };
    const response = await send(tokens.accessToken);
    if (!isReplayable(init.body) || !(await readApiRejection(response)).tokenRejected)
      return response;
    const replaced = await replaceRejected(tokens.accessToken);
    return send(replaced.accessToken);
  };

  const exchangeCode = async (
    code: string,
    exchange: ExchangeCodeOptions = {},
  ): Promise<TokenSet> => {
    const server = exchange.accountsServer ?? accountsServer;
    const redirectUri =
      exchange.redirectUri === undefined ? options.redirectUri : exchange.redirectUri;
    if (exchange.redirectUri === undefined && redirectUri === undefined) {
      throw new TollgateClientError('invalid_options', 'exchangeCode needs a redirect URI.', {
        hint: 'Pass redirectUri to createClient, or redirectUri: null for a self client code.',
      });
    }
    const url = endpoint(server, 'oauth/v2/token');
    const { body } = await postForm(http, url, {
      grant_type: 'authorization_code',
      code,
      client_id: options.clientId,
      ...(options.clientSecret === undefined ? {} : { client_secret: options.clientSecret }),
      ...(redirectUri ? { redirect_uri: redirectUri } : {}),
      ...(exchange.codeVerifier === undefined ? {} : { code_verifier: exchange.codeVerifier }),
    });
    const tokens = parseTokenResponse(body, {
      accountsServer: server,
      clientId: options.clientId,
      location: exchange.location,
      requestedScopes: options.scopes,
      request: { method: 'POST', url },
      now: now(),
    });
    const knownDc = findDataCentreByAccountsServer(server);
    const apiDomain = tokens.apiDomain ?? (knownDc ? DATA_CENTRES[knownDc].apiDomain : undefined);
    return save({ ...tokens, apiDomain });
  };

  return {
    accountsServer,

    authorizationUrl(request = {}) {
      if (options.redirectUri === undefined) {
        throw new TollgateClientError('invalid_options', 'authorizationUrl needs a redirect URI.', {
          hint: 'Pass redirectUri to createClient; it must equal one registered for the client.',
        });
      }
      const state = request.state ?? generateRandomValue();
      const pkce = request.pkce ?? true;
      const codeVerifier =
        pkce === false ? undefined : pkce === true ? generateRandomValue() : pkce.codeVerifier;
      const url = new URL(endpoint(accountsServer, 'oauth/v2/auth'));
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', options.redirectUri);
      url.searchParams.set('scope', (request.scopes ?? options.scopes).join(','));
      url.searchParams.set('access_type', request.accessType ?? 'online');
      if (request.prompt) url.searchParams.set('prompt', request.prompt);
      url.searchParams.set('state', state);
      if (codeVerifier !== undefined) {
        url.searchParams.set('code_challenge', computeCodeChallenge(codeVerifier));
        url.searchParams.set('code_challenge_method', 'S256');
      }
      if (pending.size >= PENDING_LIMIT) pending.delete(pending.keys().next().value as string);
      pending.set(state, codeVerifier);
      return { url: url.toString(), state, codeVerifier };
    },

    async handleCallback(callback, checks) {
      const params = parseCallback(callback, options.redirectUri);
      const request: RequestSummary = { method: 'GET', url: String(callback) };
      const state = params.get('state');
      const expected =
        checks ??
        (state !== null && pending.has(state)
          ? { state, codeVerifier: pending.get(state) }
          : undefined);
      if (state === null || expected === undefined || expected.state !== state) {
        throw new TollgateClientError(
          'state_mismatch',
          'The callback state does not match the authorization request.',
          {
            hint:
              'The callback is stale, from another browser session, or forged. Start the ' +
              'sign-in again from this app (and keep state in the user session between steps).',
          },
        );
      }
      pending.delete(state);
      const error = params.get('error');
      if (error !== null) {
        throw new OAuthError({
          error,
          description: params.get('error_description') ?? undefined,
          status: 0,
          body: Object.fromEntries(params),
          request,
        });
      }
      const code = params.get('code');
      if (code === null || code === '') {
        throw new TollgateClientError(
          'invalid_callback',
          'The callback has neither code nor error.',
          {
            hint: 'Pass the full redirect URL, query string included.',
          },
        );
      }
      const location = params.get('location') ?? undefined;
      const server = chooseAccountsServer(
        params.get('accounts-server'),
        location,
        accountsServer,
        trusted,
        dc,
      );
      return exchangeCode(code, {
        codeVerifier: expected.codeVerifier,
        accountsServer: server,
        location,
      });
    },

    exchangeCode,

    refresh: () => refreshOnce(() => true),

    getAccessToken: async () => (await freshTokens()).accessToken,

    getTokens: () => store.get(),

    async revoke() {
      const tokens = await store.get();
      if (tokens === undefined) return;
      const url = endpoint(tokens.accountsServer, 'oauth/v2/token/revoke');
      const request: RequestSummary = { method: 'POST', url };
      const response = await sendRequest(http, url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token: tokens.refreshToken ?? tokens.accessToken }).toString(),
      });
      // HTTP 400 is an unknown token (SPEC R6.3): already as revoked as it gets.
      if (response.status !== 400) {
        const error = findOAuthError(response, await readJsonObject(response, request), request);
        if (
          error !== undefined &&
          !['invalid_code', 'invalid_grant', 'invalid_token'].includes(error.error)
        )
          throw error;
      }
      await store.delete();
      cached = undefined;
    },

    async userInfo() {
      const tokens = await freshTokens();
      const url = endpoint(tokens.accountsServer, 'oauth/user/info');
      const request: RequestSummary = { method: 'GET', url };
      const response = await authorizedFetch(url, { headers: { accept: 'application/json' } });
      const rejection = await readApiRejection(response);
      if (rejection.error !== undefined) {
        throw new OAuthError({
          error: rejection.error,
          description: rejection.description,
          status: response.status,
          body: rejection.body,
          request,
        });
      }
      const body = await readJsonObject(response, request);
      if (typeof body['Email'] !== 'string' || typeof body['ZUID'] !== 'number') {
        throw new TollgateClientError('invalid_response', `${url} did not answer with user info.`, {
          hint: 'Check that the token has the scope AaaServer.profile.READ.',
        });
      }
      return body as UserInfo;
    },

    async fetch(pathOrUrl, init = {}) {
      const tokens = await freshTokens();
      const base = tokens.apiDomain ?? (dc ? DATA_CENTRES[dc].apiDomain : tokens.accountsServer);
      let url: string;
      try {
        url = new URL(pathOrUrl, `${base}/`).toString();
      } catch (cause) {
        throw new TollgateClientError(
          'invalid_options',
          `Cannot resolve ${String(pathOrUrl)} against ${base}.`,
          {
            hint: 'Pass a path like /api/v2/portals or an absolute URL.',
            cause,
          },
        );
      }
      return authorizedFetch(url, init);
    },
  };
}

function resolveAccountsServer(options: ClientOptions): string {
  if ((options.accountsUrl === undefined) === (options.dc === undefined)) {
    throw new TollgateClientError('invalid_options', 'Give exactly one of accountsUrl and dc.', {
      hint: 'accountsUrl for Tollgate (e.g. http://127.0.0.1:3000), dc for Zoho (us, eu, in, au, jp, ca, sa, uk, cn).',
    });
  }
  if (options.dc !== undefined) {
    if (!isDataCentre(options.dc)) {
      throw new TollgateClientError(
        'invalid_options',
        `Unknown data centre ${JSON.stringify(options.dc)}.`,
        {
          hint: `Use one of ${Object.keys(DATA_CENTRES).join(', ')}.`,
        },
      );
    }
    return DATA_CENTRES[options.dc.toLowerCase() as DataCentre].accountsServer;
  }
  return normalizeServer(options.accountsUrl ?? '');
}

function normalizeServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TollgateClientError('invalid_options', `${JSON.stringify(url)} is not a URL.`, {
      hint: 'Give the accounts server as an absolute URL, e.g. https://accounts.zoho.eu.',
      cause,
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TollgateClientError('invalid_options', `${url} is not an http(s) URL.`, {
      hint: 'Give the accounts server as an absolute URL, e.g. https://accounts.zoho.eu.',
    });
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}

function endpoint(server: string, path: string): string {
  return `${server}/${path}`;
}

function parseCallback(callback: string | URL, redirectUri: string | undefined): URLSearchParams {
  try {
    return new URL(callback, redirectUri).searchParams;
  } catch (cause) {
    throw new TollgateClientError(
      'invalid_callback',
      `The callback URL ${JSON.stringify(String(callback))} is malformed.`,
      {
        hint: 'Pass the full URL the browser was redirected to, e.g. req.url with the redirect URI as base.',
        cause,
      },
    );
  }
}

/**
 * The accounts server to exchange the code at: the callback's `accounts-server` (Zoho sends
 * users of other data centres back with it), or the server of its `location`; but only one we
 * trust, since the code and the client secret go there.
 */
function chooseAccountsServer(
  named: string | null,
  location: string | undefined,
  configured: string,
  trusted: ReadonlySet<string>,
  dc: DataCentre | undefined,
): string {
  let candidate: string | undefined;
  if (named !== null && named !== '') {
    try {
      candidate = normalizeServer(named);
    } catch {
      candidate = named;
    }
  } else if (dc !== undefined && location !== undefined && isDataCentre(location)) {
    candidate = DATA_CENTRES[location.toLowerCase() as DataCentre].accountsServer;
  }
  if (candidate === undefined) return configured;
  if (!trusted.has(candidate)) {
    throw new TollgateClientError(
      'untrusted_accounts_server',
      `The callback names the accounts server ${candidate}, which this client does not trust.`,
      {
        hint:
          'If it is genuine (e.g. a Tollgate issuer URL that differs from accountsUrl), add it to ' +
          'trustedAccountsServers; otherwise the callback may be forged.',
      },
    );
  }
  return candidate;
}

function isReplayable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || !(body instanceof ReadableStream);
}
