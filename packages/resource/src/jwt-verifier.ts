/**
 * JWT access tokens (RFC 9068, SPEC R14.8) verified locally from Tollgate's published keys
 * (RFC 7517 JWK Set at `{issuer}/oauth/v2/keys`), without a call per request: `typ: at+jwt`, the
 * signature, `iss`, `exp`, and the audience and DPoP binding as for every verifier. The key set
 * is cached, and fetched again when a token names a key it does not hold (key rotation).
 *
 * A JWT stays valid until it expires: revocation at Tollgate is not seen here. Use the remote
 * (introspection) or local mode when revocation must take effect at once.
 */
import { createDpopChecker } from './dpop.ts';
import { invalidToken, unavailable } from './errors.ts';
import { decodeJws, isJwsAlgorithm, isObject, publicKeyFor, verifySignature } from './jws.ts';
import { checkBinding, checkPresentedProof } from './sender-constraint.ts';
import type { CommonVerifierOptions, TokenVerifier } from './verifier.ts';
import { parseAuthorization, type AccessTokenClaims } from './verify.ts';

/** JWT mode: verify RFC 9068 access tokens from the issuer's JWK Set. */
export interface JwtVerifierOptions extends CommonVerifierOptions {
  mode: 'jwt';
  /** Tollgate's issuer URL: tokens must carry it as `iss`. */
  issuer: string;
  /** The JWK Set's URL (default `{issuer}/oauth/v2/keys`). */
  jwksUri?: string;
  /** How long the key set is kept, in milliseconds (default 600 000). */
  jwksCacheMs?: number;
  /**
   * A token signed by an unknown key fetches the key set again, at most this often, in
   * milliseconds (default 30 000), so forged `kid`s cannot make this API flood Tollgate.
   */
  jwksRefreshMinMs?: number;
  /** Give up on fetching the key set after this many milliseconds (default 5 000). */
  timeoutMs?: number;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** The most characters a JWT access token may have here. */
const MAX_JWT_LENGTH = 8_192;

/**
 * Builds a verifier of JWT access tokens.
 * @see RFC 9068 §4, RFC 9449 §7
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const issuer = options.issuer.replace(/\/+$/, '');
  const keys = keySet(options, `${issuer}/oauth/v2/keys`, now);
  const dpop = options.dpop ?? createDpopChecker({ now });
  return {
    async verifyAccessToken(authorizationHeader, request) {
      const { scheme, token } = parseAuthorization(authorizationHeader);
      const jws = token.length <= MAX_JWT_LENGTH ? decodeJws(token) : null;
      if (!jws) throw invalidToken('The access token is malformed.');
      const { header, payload } = jws;
      const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
      if (typ !== 'at+jwt' && typ !== 'application/at+jwt')
        throw invalidToken('The access token is not a JWT access token (typ at+jwt).');
      if (!isJwsAlgorithm(header.alg) || typeof header.kid !== 'string')
        throw invalidToken('The access token is malformed.');
      const jwk = await keys.find(header.kid);
      if (!jwk || (jwk.alg !== undefined && jwk.alg !== header.alg))
        throw invalidToken('The access token is signed by an unknown key.');
      const key = publicKeyFor(header.alg, jwk);
      if (
        typeof key === 'string' ||
        !verifySignature(header.alg, key, jws.signingInput, jws.signature)
      )
        throw invalidToken('The access token is invalid.');
      const claims = claimsOf(payload, issuer);
      if (claims.expiresAt <= now()) throw invalidToken('The access token has expired.');
      const proof = await checkPresentedProof(scheme, token, request, dpop);
      checkBinding(claims, proof);
      return claims;
    },
  };
}

/** The claims of RFC 9068 §2.2 as the claims every verifier returns. */
function claimsOf(payload: Record<string, unknown>, issuer: string): AccessTokenClaims {
  const { iss, sub, client_id: clientId, scope, exp, aud, cnf } = payload;
  const userId = Number(sub);
  if (
    iss !== issuer ||
    typeof sub !== 'string' ||
    !Number.isSafeInteger(userId) ||
    typeof clientId !== 'string' ||
    typeof exp !== 'number'
  )
    throw invalidToken('The access token is invalid.');
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  const jkt = isObject(cnf) && typeof cnf.jkt === 'string' ? cnf.jkt : undefined;
  return {
    userId,
    clientId,
    scopes: typeof scope === 'string' ? scope.split(' ').filter((s) => s.length > 0) : [],
    expiresAt: exp * 1000,
    // Without resource indicators Tollgate names the client as the audience (RFC 9068 §3):
    // such a token is not restricted to any resource.
    audience: audiences.filter((a): a is string => typeof a === 'string' && a !== clientId),
    ...(jkt !== undefined ? { confirmation: { jkt } } : {}),
  };
}

/** The issuer's JWK Set, cached, fetched again for an unknown `kid` at most every so often. */
function keySet(
  options: JwtVerifierOptions,
  defaultUri: string,
  now: () => number,
): { find(kid: string): Promise<Record<string, unknown> | undefined> } {
  const uri = options.jwksUri ?? defaultUri;
  const cacheMs = options.jwksCacheMs ?? 600_000;
  const refreshMinMs = options.jwksRefreshMinMs ?? 30_000;
  const doFetch = options.fetch ?? fetch;
  let held: Map<string, Record<string, unknown>> | undefined;
  let fetchedAt = -Infinity;
  let loading: Promise<void> | undefined;

  const load = async (): Promise<void> => {
    try {
      const res = await doFetch(uri, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      const body: unknown = await res.json();
      if (!res.ok || !isObject(body) || !Array.isArray(body.keys))
        throw new Error(`the JWK Set answered ${res.status}`);
      const next = new Map<string, Record<string, unknown>>();
      for (const jwk of body.keys)
        if (isObject(jwk) && typeof jwk.kid === 'string') next.set(jwk.kid, jwk);
      held = next;
      fetchedAt = now();
    } catch (error) {
      throw unavailable('The signing keys of the authorization server could not be read.', error);
    }
  };
  const reload = (): Promise<void> => {
    loading ??= load().finally(() => {
      loading = undefined;
    });
    return loading;
  };

  return {
    async find(kid) {
      const age = now() - fetchedAt;
      // A clock set back (age < 0) counts as stale rather than freezing the cache.
      const stale = age < 0 || age >= cacheMs;
      if (!held || stale || (!held.has(kid) && age >= refreshMinMs)) await reload();
      return held?.get(kid);
    },
  };
}
