import { TollgateClientError } from './errors.ts';
import type { RequestSummary } from './errors.ts';

/**
 * The tokens of one signed-in user for one client, as stores keep them. Plain JSON, so any
 * store can serialise it.
 */
export interface TokenSet {
  readonly accessToken: string;
  /** Present only after the first consent with `access_type=offline` (or `prompt=consent`). */
  readonly refreshToken?: string | undefined;
  readonly tokenType: string;
  /** When the access token was obtained, epoch milliseconds. */
  readonly obtainedAt: number;
  /** When the access token expires, epoch milliseconds. */
  readonly expiresAt: number;
  /** The granted scopes. */
  readonly scopes: readonly string[];
  /** Base URL of the APIs this token is for (the token response's `api_domain`). */
  readonly apiDomain?: string | undefined;
  /** The accounts server that issued the tokens: refresh and revoke must go there too. */
  readonly accountsServer: string;
  /** The data centre the callback named (`location`), when it named one. */
  readonly location?: string | undefined;
  /** The client the tokens were issued to. */
  readonly clientId: string;
}

/**
 * Reads a token lifetime in seconds from every dialect in use (SPEC R0): `expires_in` in
 * seconds, or, when `expires_in_sec` is present, `expires_in` in milliseconds beside
 * `expires_in_sec` in seconds (the seed's era), in which case `expires_in_sec` wins. Returns
 * `undefined` when neither field is a positive number.
 *
 * @see RFC 6749 §5.1
 */
export function readExpiresInSeconds(body: Readonly<Record<string, unknown>>): number | undefined {
  const seconds = toPositiveNumber(body['expires_in_sec']);
  if (seconds !== undefined) return seconds;
  const legacyPair = body['expires_in_sec'] !== undefined;
  const value = toPositiveNumber(body['expires_in']);
  if (value === undefined) return undefined;
  return legacyPair ? value / 1000 : value;
}

function toPositiveNumber(value: unknown): number | undefined {
  const number =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(number) && number > 0 ? number : undefined;
}

/** Options of {@link parseTokenResponse}. */
export interface ParseTokenResponseOptions {
  readonly accountsServer: string;
  readonly clientId: string;
  readonly location?: string | undefined;
  /** Kept when the response has no refresh token (refresh grants do not rotate in Zoho). */
  readonly previousRefreshToken?: string | undefined;
  /** Used when the response has no `scope`. */
  readonly requestedScopes: readonly string[];
  readonly request: RequestSummary;
  readonly now?: number;
}

/** Lifetime assumed when the server sends none: Zoho's access tokens live an hour. */
const DEFAULT_LIFETIME_SECONDS = 3600;

/**
 * Validates a successful token response and turns it into a {@link TokenSet}.
 *
 * @see RFC 6749 §5.1
 */
export function parseTokenResponse(
  body: Readonly<Record<string, unknown>>,
  options: ParseTokenResponseOptions,
): TokenSet {
  const accessToken = body['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw invalid(options.request, 'has no access_token');
  }
  const tokenType = body['token_type'] ?? 'Bearer';
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw invalid(options.request, `has token_type ${JSON.stringify(tokenType)}, not Bearer`);
  }
  const refreshToken = body['refresh_token'];
  if (refreshToken !== undefined && (typeof refreshToken !== 'string' || refreshToken === '')) {
    throw invalid(options.request, 'has a malformed refresh_token');
  }
  const apiDomain = body['api_domain'];
  if (apiDomain !== undefined && (typeof apiDomain !== 'string' || !URL.canParse(apiDomain))) {
    throw invalid(options.request, 'has an api_domain that is not a URL');
  }
  const scope = body['scope'];
  const scopes =
    typeof scope === 'string'
      ? scope.split(/[\s,]+/).filter(Boolean)
      : [...options.requestedScopes];
  const now = options.now ?? Date.now();
  const lifetime = readExpiresInSeconds(body) ?? DEFAULT_LIFETIME_SECONDS;
  return {
    accessToken,
    refreshToken: refreshToken ?? options.previousRefreshToken,
    tokenType: 'Bearer',
    obtainedAt: now,
    expiresAt: now + Math.round(lifetime * 1000),
    scopes,
    apiDomain,
    accountsServer: options.accountsServer,
    location: options.location,
    clientId: options.clientId,
  };
}

/**
 * When a token set should be refreshed: `margin` seconds before expiry, but never earlier than
 * half its lifetime, so that a server issuing short-lived tokens is not asked for a new one on
 * every call (which would run into Zoho's 10-per-10-minutes throttle).
 */
export function refreshDueAt(tokens: TokenSet, marginSeconds: number): number {
  const lifetime = Math.max(0, tokens.expiresAt - tokens.obtainedAt);
  return tokens.expiresAt - Math.min(marginSeconds * 1000, lifetime / 2);
}

function invalid(request: RequestSummary, what: string): TollgateClientError {
  return new TollgateClientError(
    'invalid_response',
    `The token response from ${request.url} ${what}.`,
    { hint: 'Check that accountsUrl points at an OAuth server speaking Zoho or RFC 6749.' },
  );
}
