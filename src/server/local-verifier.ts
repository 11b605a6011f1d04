/**
 * Local access-token validation: reads the token from the store Tollgate writes (user info, the
 * SalesIQ-style API, and APIs hosted beside Tollgate on the same database). Revocation is seen
 * at once: inside Tollgate the validation cache is emptied by every revocation (SPEC R15.6); an
 * API of its own given `cacheTtlMs` sees it within that lifetime (SPEC R5.6).
 */
import {
  createCachedVerifier,
  type CommonVerifierOptions,
  type TokenVerifier,
} from '@tollgate/resource';
import type { GrantStore } from '../store/types.ts';
import type { TokenCache } from './token-cache.ts';

/** Local mode: validation against the Store Tollgate writes. */
export interface LocalVerifierOptions extends CommonVerifierOptions {
  mode: 'local';
  store: Pick<GrantStore, 'findAccessToken'>;
  /**
   * How long a validated token is remembered, in milliseconds (default 0: off, every request
   * reads the store). With a cache, a revoked token stays accepted on this instance for at most
   * this long (SPEC R5.6); expiry is always checked exactly.
   */
  cacheTtlMs?: number;
  /**
   * The server's own cache (SPEC R15.6), which the store empties on every revocation; used
   * instead of `cacheTtlMs` inside Tollgate.
   */
  cache?: TokenCache;
  /** A further condition on a stored token (its data centre, SPEC R13.1); default: none. */
  accept?: (info: { zuid: number; clientId: string }) => Promise<boolean>;
}

/** A verifier that reads tokens from the store. @see RFC 6750 §2.1 */
export function createLocalVerifier(options: LocalVerifierOptions): TokenVerifier {
  const { store } = options;
  return createCachedVerifier({
    lookup: async (_token, hash) => {
      const info = options.cache
        ? await options.cache.lookup(hash, (h) => store.findAccessToken(h))
        : await store.findAccessToken(hash);
      if (info && options.accept && !(await options.accept(info))) return null;
      return info
        ? {
            userId: info.zuid,
            clientId: info.clientId,
            scopes: info.scopes,
            expiresAt: info.expiresAt,
            audience: info.audience,
            ...(info.dpopJkt !== null ? { confirmation: { jkt: info.dpopJkt } } : {}),
          }
        : null;
    },
    ...(options.now ? { now: options.now } : {}),
    ...(options.cacheSize !== undefined ? { cacheSize: options.cacheSize } : {}),
    ...(options.dpop ? { dpop: options.dpop } : {}),
    cacheTtlMs: options.cacheTtlMs ?? 0,
    // Only live tokens are cached locally: an unknown token can never become valid.
    cacheMisses: false,
    // The server's cache already answers repeated tokens without a read.
    coalesce: options.cache === undefined,
  });
}
