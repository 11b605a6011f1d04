/**
 * Access-token validation for protected resources (SPEC R6, RFC 6750 §2.1): the token travels
 * in `Authorization: Zoho-oauthtoken <token>` or `Bearer <token>`, never in a query string.
 */
import { invalidRequest, OAuthError } from '../core/errors.ts';
import { NO_TOKEN_DESCRIPTION } from './error-response.ts';

/** What a valid access token stands for. */
export interface AccessTokenClaims {
  /** The user's ZUID. */
  userId: number;
  clientId: string;
  scopes: string[];
  /** Unix milliseconds. */
  expiresAt: number;
}

/**
 * Takes the token out of an Authorization header.
 * @throws OAuthError invalid_token (401) when absent, invalid_request for another scheme.
 */
export function extractToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw new OAuthError('invalid_token', NO_TOKEN_DESCRIPTION, { status: 401, redirectable: false });
  }
  const match = /^(Zoho-oauthtoken|Bearer)\s+(\S+)\s*$/i.exec(header);
  if (!match?.[2]) {
    const e = invalidRequest('The Authorization header must be "Zoho-oauthtoken <token>" or "Bearer <token>".');
    throw new OAuthError(e.error, e.description, { status: 400, redirectable: false });
  }
  return match[2];
}
