/**
 * Keeps one client's tokens valid: reads them from the store, refreshes them before they expire,
 * and makes sure that many concurrent callers cause one refresh: in this process through one
 * shared promise, across processes through the store's lock.
 */
import { TollgateClientError } from './errors.ts';
import { postForm } from './http.ts';
import type { HttpSettings } from './http.ts';
import type { TokenStore } from './stores/token-store.ts';
import { parseTokenResponse, refreshDueAt } from './token-set.ts';
import type { TokenSet } from './token-set.ts';
import { endpoint } from './accounts-server.ts';

/** What the keeper needs to know. */
export interface TokenKeeperOptions {
  clientId: string;
  clientSecret: string | undefined;
  store: TokenStore;
  http: HttpSettings;
  now: () => number;
  /** Refresh this many seconds before expiry. */
  marginSeconds: number;
}

/** The keeper's operations. */
export interface TokenKeeper {
  /** Stores new tokens and remembers them. */
  save(tokens: TokenSet): Promise<TokenSet>;
  /** Valid tokens: the remembered ones, the stored ones, or refreshed ones. */
  fresh(): Promise<TokenSet>;
  /** Refreshes once, unless `stillNeeded` says another caller's refresh already did the job. */
  refreshOnce(stillNeeded: (current: TokenSet) => boolean): Promise<TokenSet>;
  /** Forgets the remembered tokens (after they were deleted from the store). */
  forget(): void;
}

/** Creates the keeper of one client's tokens. */
export function createTokenKeeper(options: TokenKeeperOptions): TokenKeeper {
  const { store, http, now, clientId, clientSecret } = options;
  let cached: TokenSet | undefined;
  let inflight: Promise<TokenSet> | undefined;

  const isDue = (tokens: TokenSet): boolean => now() >= refreshDueAt(tokens, options.marginSeconds);

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
    if (tokens.clientId !== clientId) {
      throw new TollgateClientError(
        'store_foreign',
        `The stored tokens belong to client ${tokens.clientId}, not ${clientId}.`,
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
      client_id: clientId,
      ...(clientSecret === undefined ? {} : { client_secret: clientSecret }),
    });
    const tokens = parseTokenResponse(body, {
      accountsServer: current.accountsServer,
      clientId,
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

  return {
    save,
    refreshOnce,
    async fresh() {
      if (cached !== undefined && !isDue(cached)) return cached;
      const stored = await load();
      if (!isDue(stored)) {
        cached = stored;
        return stored;
      }
      return refreshOnce(isDue);
    },
    forget() {
      cached = undefined;
    },
  };
}
