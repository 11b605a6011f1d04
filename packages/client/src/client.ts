/**
 * `createClient()`: one OAuth app's client. It builds authorization URLs (state and PKCE), checks
 * callbacks, exchanges codes at the right accounts server, keeps tokens fresh (token-keeper.ts),
 * revokes, reads user info and calls APIs with the token.
 * @see RFC 6749 §4.1, RFC 7636
 */
import {
  accountsServerOf,
  chooseAccountsServer,
  endpoint,
  isReplayable,
  normalizeServer,
  parseCallback,
  resolveAccountsServer,
} from './accounts-server.ts';
import type {
  ExchangeCodeOptions,
  ClientOptions,
  TollgateClient,
  UserInfo,
} from './client-types.ts';
import { DATA_CENTRES, findDataCentreByAccountsServer, type DataCentre } from './data-centres.ts';
import { OAuthError, TollgateClientError } from './errors.ts';
import type { RequestSummary } from './errors.ts';
import { findOAuthError, postForm, readJsonObject, sendRequest } from './http.ts';
import type { HttpSettings } from './http.ts';
import { computeCodeChallenge, generateRandomValue } from './pkce.ts';
import { readApiRejection } from './api-rejection.ts';
import { createMemoryStore } from './stores/memory-store.ts';
import { parseTokenResponse } from './token-set.ts';
import type { TokenSet } from './token-set.ts';
import { createTokenKeeper } from './token-keeper.ts';
import {
  pollDeviceOnce,
  requestDeviceAuthorization,
  type DeviceAuthorization,
  type PollDeviceOptions,
} from './device-flow.ts';

export type {
  AuthorizationRequest,
  AuthorizationUrlOptions,
  CallbackChecks,
  ClientOptions,
  ExchangeCodeOptions,
  TollgateClient,
  UserInfo,
} from './client-types.ts';

const PENDING_LIMIT = 100;

/** Creates a client for one OAuth app. */
export function createClient(options: ClientOptions): TollgateClient {
  const accountsServer = resolveAccountsServer(options);
  const dc = options.dc ?? findDataCentreByAccountsServer(accountsServer);
  const store = options.store ?? createMemoryStore();
  const now = options.now ?? Date.now;
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
    for (const name of Object.keys(DATA_CENTRES))
      trusted.add(accountsServerOf(name as DataCentre, options.accountsUrls));
  }
  const pending = new Map<string, string | undefined>();
  const keeper = createTokenKeeper({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    store,
    http,
    now,
    marginSeconds: options.refreshMarginSeconds ?? 60,
  });
  const freshTokens = keeper.fresh;
  const save = keeper.save;

  /** After an API refused `rejected`, refresh unless another caller already replaced it. */
  const replaceRejected = (rejected: string): Promise<TokenSet> =>
    keeper.refreshOnce((current) => current.accessToken === rejected);

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
    return saveTokenResponse(body, server, exchange.location, url);
  };

  /** Validates a token response from `server` and stores it. */
  const saveTokenResponse = (
    body: Record<string, unknown>,
    server: string,
    location: string | undefined,
    url: string,
  ): Promise<TokenSet> => {
    const tokens = parseTokenResponse(body, {
      accountsServer: server,
      clientId: options.clientId,
      location,
      requestedScopes: options.scopes,
      request: { method: 'POST', url },
      now: now(),
    });
    const knownDc = findDataCentreByAccountsServer(server);
    const apiDomain = tokens.apiDomain ?? (knownDc ? DATA_CENTRES[knownDc].apiDomain : undefined);
    return save({ ...tokens, apiDomain });
  };

  const pollDeviceAuthorization = async (
    started: DeviceAuthorization,
    poll: PollDeviceOptions = {},
  ): Promise<TokenSet> => {
    let server = started.accountsServer;
    let location: string | undefined;
    let intervalMs = started.intervalMs;
    for (;;) {
      await http.sleep(intervalMs);
      poll.signal?.throwIfAborted();
      if (now() >= started.expiresAt)
        throw new TollgateClientError(
          'timeout',
          'The device code expired before it was approved.',
          {
            hint: 'Start again: request a new code and approve it within its lifetime.',
          },
        );
      const answer = await pollDeviceOnce(
        http,
        server,
        { clientId: options.clientId, clientSecret: options.clientSecret },
        started.deviceCode,
      );
      switch (answer.outcome) {
        case 'pending':
          poll.onPending?.();
          break;
        case 'slow-down':
          // RFC 8628 §3.5: five seconds more for this and every later poll.
          intervalMs += 5000;
          break;
        case 'other-dc': {
          const next = chooseAccountsServer(
            null,
            answer.location,
            server,
            trusted,
            dc,
            options.accountsUrls,
          );
          if (next === server)
            throw new TollgateClientError(
              'untrusted_accounts_server',
              `The person's data centre is ${answer.location}, whose accounts server this client does not know.`,
              {
                hint: 'Create the client with dc (and accountsUrls for a Tollgate with several data centres).',
              },
            );
          server = next;
          location = answer.location;
          break;
        }
        case 'tokens':
          return saveTokenResponse(
            answer.body,
            answer.accountsServer,
            location,
            endpoint(answer.accountsServer, 'oauth/v3/device/token'),
          );
      }
    }
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
        options.accountsUrls,
      );
      return exchangeCode(code, {
        codeVerifier: expected.codeVerifier,
        accountsServer: server,
        location,
      });
    },

    exchangeCode,

    startDeviceAuthorization: (request = {}) =>
      requestDeviceAuthorization(
        http,
        accountsServer,
        options.clientId,
        options.scopes,
        request,
        now(),
      ),

    pollDeviceAuthorization,

    refresh: () => keeper.refreshOnce(() => true),

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
      keeper.forget();
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
