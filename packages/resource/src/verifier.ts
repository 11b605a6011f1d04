/**
 * verifyAccessToken for APIs protected by Tollgate. This package verifies remotely: it asks a
 * Tollgate server by token introspection (RFC 7662), authenticated as a registered confidential
 * client, and keeps answers in a bounded cache whose lifetime is the revocation delay the
 * operator accepts (default 30 s). Tollgate's server package adds a store-backed local mode on
 * the same core ({@link createCachedVerifier}).
 * Either way the token comes from `Authorization: Zoho-oauthtoken <token>` or `Bearer <token>`.
 */
import crypto, { createHash } from 'node:crypto';
import { createDpopChecker, type DpopChecker, type DpopProof } from './dpop.ts';
import { invalidToken, unavailable } from './errors.ts';
import { checkBinding, checkPresentedProof, type PresentedRequest } from './sender-constraint.ts';
import { TtlCache } from './ttl-cache.ts';
import { parseAuthorization, type AccessTokenClaims } from './verify.ts';

/** Tollgate's (and Zoho's) access-token format: `1000.` + 32 hex + `.` + 32 hex. */
export const TOKEN_PATTERN = /^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/;

/** A JWT access token (RFC 9068, SPEC R14.8): three base64url parts, at most 8 KB. */
export const JWT_TOKEN_PATTERN =
  /^[A-Za-z0-9_-]{1,8192}\.[A-Za-z0-9_-]{1,8192}\.[A-Za-z0-9_-]{1,8192}$/;

/** Node's one-shot `crypto.hash` (20.12 and later) where it exists: half the cost of a Hash. */
const oneShotHash = (
  crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }
).hash;

/** SHA-256 of a token in lower-case hex: how Tollgate stores tokens, and the cache key. */
const sha256Hex = (value: string): string =>
  oneShotHash
    ? oneShotHash('sha256', value, 'hex')
    : createHash('sha256').update(value).digest('hex');

/** Whether a token has one of the formats Tollgate issues. */
export function isTokenFormat(token: string): boolean {
  return TOKEN_PATTERN.test(token) || (token.length <= 8_192 && JWT_TOKEN_PATTERN.test(token));
}

const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/** Checks access tokens. @see RFC 6750 §2.1 */
export interface TokenVerifier {
  /**
   * The claims of the token in an Authorization header.
   * @throws OAuthError `invalid_token` (401) when the token is absent, malformed, unknown, revoked
   * or expired; `invalid_request` (400) for another scheme; `temporarily_unavailable` (503) when
   * the authorization server cannot answer; `invalid_dpop_proof` (401) for a bad DPoP proof.
   * @param request the request's method, URL and DPoP header: needed for DPoP-bound tokens
   * (RFC 9449 §7); without it only Bearer tokens are accepted.
   */
  verifyAccessToken(
    authorizationHeader: string | undefined,
    request?: PresentedRequest,
  ): Promise<AccessTokenClaims>;
}

/** Options every verifier takes. */
export interface CommonVerifierOptions {
  /** The clock in Unix milliseconds (default `Date.now`). */
  now?: () => number;
  /** The most tokens the cache holds (default 10 000); the least recently used go first. */
  cacheSize?: number;
  /**
   * Checks DPoP proofs (RFC 9449; default: {@link createDpopChecker} with a 60 s window and an
   * in-memory replay memory of 10 000 proofs).
   */
  dpop?: DpopChecker;
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

export type TokenVerifierOptions = RemoteVerifierOptions;

/** Default lifetime of the remote cache: the revocation delay accepted unless configured. */
export const DEFAULT_REMOTE_CACHE_TTL_MS = 30_000;

/**
 * Looks a token up: its claims, or null when it is unknown or revoked; at once when they are at
 * hand (a cache of the lookup's own), else as a promise.
 * @param token the token as sent.
 * @param hash its SHA-256 in lower-case hex (how Tollgate stores tokens; also the cache key).
 */
export type TokenLookup = (
  token: string,
  hash: string,
) => Promise<AccessTokenClaims | null> | AccessTokenClaims | null;

/** Options of {@link createCachedVerifier}. */
export interface CachedVerifierOptions extends CommonVerifierOptions {
  lookup: TokenLookup;
  /** How long an answer is remembered, in milliseconds (0: never). */
  cacheTtlMs: number;
  /** Whether "unknown" answers are remembered too (only safe when they cannot become valid). */
  cacheMisses: boolean;
  /**
   * Whether concurrent requests with the same token share one lookup (default true). A lookup
   * that is itself cached (Tollgate's own server) turns it off with `cacheTtlMs: 0` and skips
   * this layer entirely.
   */
  coalesce?: boolean;
}

/**
 * The core every verifier shares: header parsing, the token format, a bounded cache, one lookup
 * for concurrent requests with the same token, and the expiry check (always exact).
 */
export function createCachedVerifier(options: CachedVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const cache = new TtlCache<AccessTokenClaims | null>(
    options.cacheSize ?? 10_000,
    options.cacheTtlMs,
  );
  const inFlight = new Map<string, Promise<AccessTokenClaims | null>>();
  const dpop = options.dpop ?? createDpopChecker({ now });
  // Nothing to remember or share (a lookup with a cache of its own): straight through.
  const passThrough = options.cacheTtlMs <= 0 && options.coalesce === false;
  const resolve = async (token: string, hash: string): Promise<AccessTokenClaims | null> => {
    const cached = cache.get(hash, now());
    if (cached !== undefined) return cached;
    let pending = inFlight.get(hash);
    if (!pending) {
      pending = Promise.resolve(options.lookup(token, hash)).finally(() => inFlight.delete(hash));
      inFlight.set(hash, pending);
      const claims = await pending;
      if (claims) cache.set(hash, claims, now(), claims.expiresAt);
      else if (options.cacheMisses) cache.set(hash, null, now());
      return claims;
    }
    return pending;
  };
  /** The verdict on a token's claims: live, unexpired, bound as presented; a copy for the caller. */
  const accept = (claims: AccessTokenClaims | null, proof?: DpopProof): AccessTokenClaims => {
    if (!claims) throw invalidToken('The access token is invalid or revoked.');
    if (claims.expiresAt <= now()) throw invalidToken('The access token has expired.');
    checkBinding(claims, proof);
    return { ...claims, scopes: [...claims.scopes] };
  };
  const find = (token: string, hash: string) =>
    passThrough ? options.lookup(token, hash) : resolve(token, hash);
  const withProof = async (
    token: string,
    request: PresentedRequest | undefined,
  ): Promise<AccessTokenClaims> => {
    const proof = await checkPresentedProof('dpop', token, request, dpop);
    return accept(await find(token, sha256Hex(token)), proof);
  };
  return {
    // Not an async function: a Bearer token whose lookup answers at once (a cache hit) costs one
    // settled promise and no turn of the microtask queue before the caller's own (SPEC R16).
    verifyAccessToken(authorizationHeader, request) {
      try {
        const { scheme, token } = parseAuthorization(authorizationHeader);
        if (!isTokenFormat(token)) throw invalidToken('The access token is malformed.');
        if (scheme === 'dpop') return withProof(token, request);
        const found = find(token, sha256Hex(token));
        return isThenable(found)
          ? Promise.resolve(found).then((claims) => accept(claims))
          : Promise.resolve(accept(found));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
  };
}

/**
 * Builds a verifier that asks Tollgate by introspection.
 * @see RFC 6750 §2.1, RFC 7662 §2
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  return createCachedVerifier({
    lookup: introspector(options),
    ...(options.now ? { now: options.now } : {}),
    ...(options.cacheSize !== undefined ? { cacheSize: options.cacheSize } : {}),
    cacheTtlMs: options.cacheTtlMs ?? DEFAULT_REMOTE_CACHE_TTL_MS,
    cacheMisses: true,
  });
}

/** The introspection call of RFC 7662 §2.1, read as an access token's claims or null. */
function introspector(options: RemoteVerifierOptions): TokenLookup {
  const endpoint =
    options.introspectionEndpoint ?? `${options.issuer.replace(/\/+$/, '')}/oauth/v2/introspect`;
  const basic = Buffer.from(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  ).toString('base64');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return async (token) => {
    let body: Record<string, unknown>;
    try {
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = (await res.json()) as Record<string, unknown>;
      // Zoho profiles answer errors with HTTP 200 and an `error` field.
      if (!res.ok || typeof body !== 'object' || body === null || 'error' in body) {
        throw new Error(
          `introspection answered ${res.status} ${JSON.stringify(body).slice(0, 200)}`,
        );
      }
    } catch (error) {
      throw unavailable(
        'The authorization server could not check the token; try again shortly.',
        error,
      );
    }
    // A refresh token is active too, but it is never a bearer credential for an API.
    if (body.active !== true || (body.token_type !== 'Bearer' && body.token_type !== 'DPoP'))
      return null;
    const userId = Number(body.sub);
    const exp = body.exp;
    if (
      !Number.isSafeInteger(userId) ||
      typeof exp !== 'number' ||
      typeof body.client_id !== 'string'
    )
      return null;
    const scopes =
      typeof body.scope === 'string' ? body.scope.split(' ').filter((s) => s.length > 0) : [];
    const aud = body.aud;
    const audience =
      typeof aud === 'string'
        ? [aud]
        : Array.isArray(aud)
          ? aud.filter((a): a is string => typeof a === 'string')
          : [];
    const cnf = body.cnf as { jkt?: unknown } | undefined;
    const jkt = typeof cnf === 'object' && cnf !== null ? cnf.jkt : undefined;
    return {
      userId,
      clientId: body.client_id,
      scopes,
      expiresAt: exp * 1000,
      audience,
      ...(typeof jkt === 'string' ? { confirmation: { jkt } } : {}),
    };
  };
}
