/** The check every integration runs: no token in the query, a valid token, every scope present. */
import { insufficientScope, invalidToken } from './errors.ts';
import { rejectQueryToken } from './query-token.ts';
import { hasScope } from './scopes.ts';
import type { PresentedRequest } from './sender-constraint.ts';
import type { TokenVerifier } from './verifier.ts';
import type { AccessTokenClaims } from './verify.ts';

/** What else a request's token must satisfy. */
export interface AuthorizeRequestOptions {
  /**
   * This API's resource identifier (RFC 8707): the token's audience must include it, so a token
   * minted for another API is refused (RFC 9728 §7.4, RFC 9700 §2.3).
   */
  resource?: string | undefined;
  /**
   * The request's method, absolute URL and `DPoP` header, so DPoP-bound tokens can be checked
   * (RFC 9449 §7); without it such tokens are refused.
   */
  request?: PresentedRequest | undefined;
}

/**
 * Checks a request's token, audience and scopes, or throws the refusal.
 * @param url the request target (`/path?query`), checked for tokens in the query string.
 * @throws OAuthError invalid_token, invalid_request or insufficient_scope
 * @see RFC 6750 §3.1
 */
export async function authorizeRequest(
  verifier: TokenVerifier,
  url: string,
  authorizationHeader: string | undefined,
  scopes: readonly string[],
  options: AuthorizeRequestOptions = {},
): Promise<AccessTokenClaims> {
  rejectQueryToken(url);
  const claims = await verifier.verifyAccessToken(authorizationHeader, options.request);
  if (options.resource !== undefined && !(claims.audience ?? []).includes(options.resource))
    throw invalidToken('The access token was not issued for this resource.');
  const missing = scopes.find((scope) => !hasScope(claims.scopes, scope));
  if (missing !== undefined) throw insufficientScope(missing);
  return claims;
}
