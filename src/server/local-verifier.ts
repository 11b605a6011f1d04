/**
 * Local access-token validation: reads the token from the store Tollgate writes (user info, the
 * SalesIQ-style API, and APIs hosted beside Tollgate on the same database). Revocation is seen
 * at once: inside Tollgate the validation cache is emptied by every revocation (SPEC R15.6); an
 * API of its own given `cacheTtlMs` sees it within that lifetime (SPEC R5.6).
 */
import {
  createCachedVerifier,
  type AccessTokenClaims,
  type CommonVerifierOptions,
  type TokenVerifier,
} from '@tollgate/resource';
import type { AccessTokenInfo, GrantStore, User } from '../store/types.ts';
import type { TokenCache } from './token-cache.ts';

/** A stored token as the verifier reads it: with its user when the read joined it (SPEC R16). */
type ReadToken = AccessTokenInfo & { user?: User | undefined };

/**
 * The claims of a locally verified token. `user` is there when the store read joined the token's
 * user (null: the user row is gone), so user info needs no second read; createCachedVerifier
 * hands back a copy of the lookup's claims with every field, so it rides along.
 */
export interface LocalClaims extends AccessTokenClaims {
  user?: User | null;
}

/**
 * The user a verified token's read brought along: the user, null when the user row is gone, or
 * undefined when the read did not join it (the caller reads the user).
 */
export function joinedUser(claims: AccessTokenClaims): User | null | undefined {
  return (claims as LocalClaims).user;
}

/** The claims of a stored token, with the user its read joined (null: the user row is gone). */
function claimsOf(info: ReadToken): LocalClaims {
  return {
    userId: info.zuid,
    clientId: info.clientId,
    scopes: info.scopes,
    expiresAt: info.expiresAt,
    audience: info.audience,
    ...(info.dpopJkt !== null ? { confirmation: { jkt: info.dpopJkt } } : {}),
    ...('user' in info ? { user: info.user ?? null } : {}),
  };
}

/** Local mode: validation against the Store Tollgate writes. */
export interface LocalVerifierOptions extends CommonVerifierOptions {
  mode: 'local';
  store: Pick<GrantStore, 'findAccessToken'>;
  /**
   * Reads a token by hash instead of `store.findAccessToken`: Tollgate's server reads the token
   * with its user in one statement (`findAccessTokenWithUser`), for user info (SPEC R16).
   */
  read?: (hash: string) => Promise<ReadToken | undefined>;
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
  accept?: (info: ReadToken) => Promise<boolean>;
}

/** A verifier that reads tokens from the store. @see RFC 6750 §2.1 */
export function createLocalVerifier(options: LocalVerifierOptions): TokenVerifier {
  const { store, cache } = options;
  const read = options.read ?? ((hash: string) => store.findAccessToken(hash));
  // The claims of a token the server's cache holds, made once per cached entry (SPEC R16: a
  // cached user info request then builds no claims object of its own). createCachedVerifier
  // hands its callers a copy, so sharing one here is safe; a WeakMap forgets with the entry.
  const claimsOfCached = new WeakMap<ReadToken, LocalClaims>();
  const cachedClaims = (info: ReadToken): LocalClaims => {
    let claims = claimsOfCached.get(info);
    if (claims === undefined) {
      claims = claimsOf(info);
      claimsOfCached.set(info, claims);
    }
    return claims;
  };
  // `hit`: what the cache's look-up found (undefined: a miss; it polled and looked once already).
  const readThrough = async (hash: string, hit?: ReadToken): Promise<LocalClaims | null> => {
    const info: ReadToken | undefined =
      hit ?? (cache ? await cache.readToken(hash, read) : await read(hash));
    if (!info || (options.accept && !(await options.accept(info)))) return null;
    return cache ? cachedClaims(info) : claimsOf(info);
  };
  return createCachedVerifier({
    // A token the cache holds is answered at once, without a promise, unless a further condition
    // (`accept`) must be awaited.
    lookup: (_token, hash) => {
      const hit = cache?.fresh(hash);
      return hit !== undefined && !options.accept ? cachedClaims(hit) : readThrough(hash, hit);
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
