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
  /**
   * The key the token is bound to (RFC 9449 §6 `cnf.jkt`): it is accepted only with
   * `Authorization: DPoP` and a proof signed by that key.
   */
  confirmation?: { jkt: string };
}

/** How a request presented its token: `bearer` (also Zoho-oauthtoken) or `dpop` (RFC 9449 §7.1). */
export type TokenScheme = 'bearer' | 'dpop';

/**
 * Takes the token out of an Authorization header.
 * @throws OAuthError invalid_token (401) when absent, invalid_request for another scheme.
 */
export function extractToken(header: string | undefined): string {
  return parseAuthorization(header).token;
}

/**
 * The scheme and token of an Authorization header: `Zoho-oauthtoken`, `Bearer` (RFC 6750) or
 * `DPoP` (RFC 9449 §7.1).
 * @throws OAuthError invalid_token (401) when absent, invalid_request for another scheme.
 */
export function parseAuthorization(header: string | undefined): {
  scheme: TokenScheme;
  token: string;
} {
  if (header === undefined || header.trim() === '') {
    throw invalidToken(NO_TOKEN_DESCRIPTION);
  }
  const match = /^(Zoho-oauthtoken|Bearer|DPoP)\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1] || !match[2]) {
    throw badRequest(
      'The Authorization header must be "Zoho-oauthtoken <token>", "Bearer <token>" or "DPoP <token>".',
    );
  }
  return { scheme: match[1].toLowerCase() === 'dpop' ? 'dpop' : 'bearer', token: match[2] };
}
