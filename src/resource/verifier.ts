/**
 * verifyAccessToken for APIs protected by Tollgate, in two modes:
 * - local: reads the token from the same database (APIs hosted beside Tollgate). Revocation is
 *   seen at once, unless the optional validation cache is on; then within its lifetime.
 * - remote: asks a Tollgate server by token introspection (RFC 7662), authenticated as a
 *   registered confidential client, and keeps answers in a bounded cache whose lifetime is the
 *   revocation delay the operator accepts (default 30 s).
 * Either way the token comes from `Authorization: Zoho-oauthtoken <token>` or `Bearer <token>`.
 */
import { OAuthError, invalidToken } from '../core/errors.ts';
import { hashSecret, TOKEN_PATTERN } from '../core/ids.ts';
import type { GrantStore } from '../store/types.ts';
import { TtlCache } from './ttl-cache.ts';
import { extractToken, type AccessTokenClaims } from './verify.ts';

/** Checks access tokens. @see RFC 6750 §2.1 */
export interface TokenVerifier {
  /**
   * The claims of the token in an Authorization header.
   * @throws OAuthError `invalid_token` (401) when the token is absent, malformed, unknown, revoked
   * or expired; `invalid_request` (400) for another scheme; `temporarily_unavailable` (503) when
   * the remote server cannot answer.
   */
  verifyAccessToken(authorizationHeader: string | undefined): Promise<AccessTokenClaims>;
}

interface CommonVerifierOptions {
  /** The clock in Unix milliseconds (default `Date.now`). */
  now?: () => number;
  /** The most tokens the cache holds (default 10 000); the least recently used go first. */
  cacheSize?: number;
}

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
}

/** Remote mode: RFC 7662 introspection against a running Tollgate. */
export interface RemoteVerifierOptions extends CommonVerifierOptions {
  mode: 'remote';
  /** Tollgate's base URL; the introspection endpoint is `{issuer}/oauth/v2/introspect`. */
  issuer: string;
  /** Overrides the introspection endpoint's URL. */
  introspectionEndpoint?: string;
  /** A confidential client registered on that Tollgate (client_secret_basic, RFC 6749 §2.3.1). */
  clientId: string;
  clientSecret: string;
  /**
   * How long an answer (active or not) is remembered, in milliseconds: the revocation delay the
   * operator accepts (default 30 000). A token revoked at Tollgate is refused here within it.
   */
  cacheTtlMs?: number;
  /** Give up on the introspection request after this many milliseconds (default 5 000). */
  timeoutMs?: number;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

export type TokenVerifierOptions = LocalVerifierOptions | RemoteVerifierOptions;

/** Default lifetime of the remote cache: the revocation delay accepted unless configured. */
export const DEFAULT_REMOTE_CACHE_TTL_MS = 30_000;

type Lookup = (token: string, hash: string) => Promise<AccessTokenClaims | null>;

/**
 * Builds a verifier for one of the two modes.
 * @see RFC 6750 §2.1, RFC 7662 §2
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const size = options.cacheSize ?? 10_000;
  if (options.mode === 'local') {
    const { store } = options;
    const lookup: Lookup = async (_token, hash) => {
      const info = await store.findAccessToken(hash);
      return info ? { userId: info.zuid, clientId: info.clientId, scopes: info.scopes, expiresAt: info.expiresAt } : null;
    };
    // Only live tokens are cached locally: an unknown token can never become valid.
    return verifierWith(lookup, now, new TtlCache(size, options.cacheTtlMs ?? 0), false);
  }
  return verifierWith(introspector(options), now, new TtlCache(size, options.cacheTtlMs ?? DEFAULT_REMOTE_CACHE_TTL_MS), true);
}

function verifierWith(lookup: Lookup, now: () => number, cache: TtlCache<AccessTokenClaims | null>, cacheMisses: boolean): TokenVerifier {
  // Concurrent requests with the same token share one lookup.
  const inFlight = new Map<string, Promise<AccessTokenClaims | null>>();
  const resolve = async (token: string, hash: string): Promise<AccessTokenClaims | null> => {
    const cached = cache.get(hash, now());
    if (cached !== undefined) return cached;
    let pending = inFlight.get(hash);
    if (!pending) {
      pending = lookup(token, hash).finally(() => inFlight.delete(hash));
      inFlight.set(hash, pending);
      const claims = await pending;
      if (claims) cache.set(hash, claims, now(), claims.expiresAt);
      else if (cacheMisses) cache.set(hash, null, now());
      return claims;
    }
    return pending;
  };
  return {
    async verifyAccessToken(authorizationHeader) {
      const token = extractToken(authorizationHeader);
      if (!TOKEN_PATTERN.test(token)) throw invalidToken('The access token is malformed.');
      const claims = await resolve(token, hashSecret(token));
      if (!claims) throw invalidToken('The access token is invalid or revoked.');
      if (claims.expiresAt <= now()) throw invalidToken('The access token has expired.');
      return { ...claims, scopes: [...claims.scopes] };
    },
  };
}

function unavailable(cause: unknown): OAuthError {
  const err = new OAuthError('temporarily_unavailable', 'The authorization server could not check the token; try again shortly.', {
    status: 503,
    retryAfter: 5,
    redirectable: false,
  });
  err.cause = cause;
  return err;
}

/** The introspection call of RFC 7662 §2.1, read as an access token's claims or null. */
function introspector(options: RemoteVerifierOptions): Lookup {
  const endpoint = options.introspectionEndpoint ?? `${options.issuer.replace(/\/+$/, '')}/oauth/v2/introspect`;
  const basic = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return async (token) => {
    let body: Record<string, unknown>;
    try {
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = (await res.json()) as Record<string, unknown>;
      // Zoho profiles answer errors with HTTP 200 and an `error` field.
      if (!res.ok || typeof body !== 'object' || body === null || 'error' in body) {
        throw new Error(`introspection answered ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
    } catch (error) {
      throw unavailable(error);
    }
    // A refresh token is active too, but it is never a bearer credential for an API.
    if (body.active !== true || body.token_type !== 'Bearer') return null;
    const userId = Number(body.sub);
    const exp = body.exp;
    if (!Number.isSafeInteger(userId) || typeof exp !== 'number' || typeof body.client_id !== 'string') return null;
    const scopes = typeof body.scope === 'string' ? body.scope.split(' ').filter((s) => s.length > 0) : [];
    return { userId, clientId: body.client_id, scopes, expiresAt: exp * 1000 };
  };
}
