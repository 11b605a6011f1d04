/** The check every integration runs: no token in the query, a valid token, every scope present. */
import { insufficientScope } from './errors.ts';
import { rejectQueryToken } from './query-token.ts';
import { hasScope } from './scopes.ts';
import type { TokenVerifier } from './verifier.ts';
import type { AccessTokenClaims } from './verify.ts';

/**
 * Checks a request's token and scopes, or throws the refusal.
 * @param url the request target (`/path?query`), checked for tokens in the query string.
 * @throws OAuthError invalid_token, invalid_request or insufficient_scope
 * @see RFC 6750 §3.1
 */
export async function authorizeRequest(
  verifier: TokenVerifier,
  url: string,
  authorizationHeader: string | undefined,
  scopes: readonly string[],
): Promise<AccessTokenClaims> {
  rejectQueryToken(url);
  const claims = await verifier.verifyAccessToken(authorizationHeader);
  const missing = scopes.find((scope) => !hasScope(claims.scopes, scope));
  if (missing !== undefined) throw insufficientScope(missing);
  return claims;
}
