/**
 * Access-token validation for protected resources (SPEC R6, RFC 6750 §2.1): the token travels
 * in `Authorization: Zoho-oauthtoken <token>` or `Bearer <token>`, never in a query string.
 */
import { badRequest, invalidToken } from './errors.ts';
import { NO_TOKEN_DESCRIPTION } from './error-response.ts';

/** What a valid access token stands for. */
export interface AccessTokenClaims {
  /** The user's ZUID. */
  userId: number;
  clientId: string;
  scopes: string[];
  /** Unix milliseconds. */
  expiresAt: number;
  /**
   * The resources the token is for (RFC 8707 audience); absent or empty: not
   * audience-restricted, which a verifier configured with a `resource` refuses.
   */
  audience?: string[];
}

/**
 * Takes the token out of an Authorization header.
 * @throws OAuthError invalid_token (401) when absent, invalid_request for another scheme.
 */
export function extractToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw invalidToken(NO_TOKEN_DESCRIPTION);
  }
  const match = /^(Zoho-oauthtoken|Bearer)\s+(\S+)\s*$/i.exec(header);
  if (!match?.[2]) {
    throw badRequest(
      'The Authorization header must be "Zoho-oauthtoken <token>" or "Bearer <token>".',
    );
  }
  return match[2];
}
