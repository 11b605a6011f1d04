/** SPEC R6.2, RFC 9700 §4.3.2: an access token in a query string is never accepted. */
import { badRequest } from './errors.ts';

/** Query parameters that callers commonly use to carry a token (RFC 6750 §2.3 `access_token` and Zoho-isms). */
export const QUERY_TOKEN_PARAMS: readonly string[] = [
  'access_token',
  'token',
  'oauth_token',
  'authtoken',
];

/**
 * Refuses a request whose query string carries a token, so it never becomes a habit that leaks
 * tokens into logs and Referer headers.
 * @param url the request target (`/path?query`) or a full URL.
 * @throws OAuthError invalid_request (400)
 * @see RFC 6750 §2.3, RFC 9700 §4.3.2
 */
export function rejectQueryToken(url: string): void {
  const at = url.indexOf('?');
  if (at < 0) return;
  const query = new URLSearchParams(url.slice(at + 1));
  if (QUERY_TOKEN_PARAMS.some((name) => query.has(name))) {
    throw badRequest(
      'Access tokens are not accepted in the query string; send them in the Authorization header.',
    );
  }
}
