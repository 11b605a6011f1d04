/**
 * The two error families the SDK throws: {@link OAuthError} when the authorization server
 * answered with an OAuth error, {@link TollgateClientError} when something else went wrong
 * (network, timeout, a malformed answer or callback, the token store).
 */

/** What the server was asked, for error messages that say where a request went. */
export interface RequestSummary {
  readonly method: string;
  readonly url: string;
}

/** Options of {@link OAuthError}. */
export interface OAuthErrorOptions {
  readonly error: string;
  readonly description?: string | undefined;
  readonly status: number;
  readonly body: unknown;
  readonly request: RequestSummary;
  readonly throttled?: boolean;
  readonly retryAfterSeconds?: number | undefined;
}

/**
 * An OAuth error answered by the authorization server, in any dialect: Zoho's HTTP 200 with
 * `{"error":"invalid_code"}`, Zoho's throttle body, or RFC 6749 §5.2 4xx answers.
 *
 * @see RFC 6749 §5.2
 */
export class OAuthError extends Error {
  /** The error code as the server sent it (`invalid_code`, `invalid_grant`, `Access Denied`...). */
  readonly error: string;
  /** The server's `error_description`, when it sent one. */
  readonly description: string | undefined;
  /** The HTTP status (200 for Zoho-profile errors; 0 for an error that came back by redirect). */
  readonly status: number;
  /** The parsed response body. */
  readonly body: unknown;
  /** Where the request went: tells which accounts server refused a client. */
  readonly request: RequestSummary;
  /** True when the server throttled the client (Zoho's "too many requests" body or HTTP 429). */
  readonly throttled: boolean;
  /** Seconds to wait before retrying, when the server said so (`Retry-After`). */
  readonly retryAfterSeconds: number | undefined;
  /** What to do about it, in plain words. */
  readonly hint: string;

  constructor(options: OAuthErrorOptions) {
    const throttled = options.throttled ?? false;
    const hint = hintFor(options.error, throttled, options.request, options.retryAfterSeconds);
    const detail = options.description ? `: ${options.description}` : '';
    super(`${options.error}${detail} (${options.request.method} ${options.request.url}). ${hint}`);
    this.name = 'OAuthError';
    this.error = options.error;
    this.description = options.description;
    this.status = options.status;
    this.body = options.body;
    this.request = options.request;
    this.throttled = throttled;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.hint = hint;
  }
}

function hintFor(
  error: string,
  throttled: boolean,
  request: RequestSummary,
  retryAfterSeconds: number | undefined,
): string {
  if (throttled) {
    const when =
      retryAfterSeconds === undefined
        ? 'in a few minutes'
        : `after ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`;
    return (
      `The server throttled this client; retry ${when}. Zoho allows 10 access tokens per ` +
      'refresh token per 10 minutes: reuse each access token until it nearly expires ' +
      '(getAccessToken() does) instead of refreshing per request.'
    );
  }
  const origin = safeOrigin(request.url);
  switch (error) {
    case 'invalid_client':
      return (
        `The accounts server ${origin} does not know this client_id and client_secret. ` +
        'Check them, and check the data centre: an app registered in one data centre (e.g. ' +
        'accounts.zoho.eu) is unknown to the others unless multi-DC support is enabled for it. ' +
        'Use the accounts server the callback named (accounts-server) or pass the right dc.'
      );
    case 'invalid_client_secret':
      return (
        `The accounts server ${origin} knows this client_id but not this client_secret. ` +
        'Copy the secret again from the console (it changes when rotated); with multi-DC ' +
        'support, each data centre may show its own secret for the same client_id.'
      );
    case 'invalid_code':
    case 'invalid_grant':
      return (
        'The grant code expired (codes live about 2 minutes), was already used, or was issued ' +
        'for another redirect URI; or the refresh token was revoked, or evicted because the ' +
        'user has more than 20 refresh tokens for this app. Sign in again to get a new code.'
      );
    case 'invalid_redirect_uri':
      return (
        'The redirect_uri must equal, character for character, the one sent in the ' +
        'authorization request and registered for the client.'
      );
    case 'invalid_scope':
      return 'A requested scope is unknown or not allowed; scopes look like Service.resource.OPERATION.';
    case 'access_denied':
      return 'The user (or the server) refused the authorization; ask the user to sign in again.';
    case 'unsupported_grant_type':
      return 'The server does not accept this grant type for this client.';
    case 'invalid_request':
      return 'A parameter is missing, repeated or malformed; this is likely a bug in the caller.';
    case 'invalid_token':
      return 'The access token is invalid or expired; refresh it or sign in again.';
    default:
      return 'See the server description above.';
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The stable codes of {@link TollgateClientError}. */
export type TollgateClientErrorCode =
  | 'invalid_options'
  | 'invalid_callback'
  | 'state_mismatch'
  | 'untrusted_accounts_server'
  | 'invalid_response'
  | 'network_error'
  | 'timeout'
  | 'not_signed_in'
  | 'no_refresh_token'
  | 'store_corrupt'
  | 'store_foreign'
  | 'store_io'
  | 'lock_timeout';

/** Options of {@link TollgateClientError}. */
export interface TollgateClientErrorOptions {
  readonly hint: string;
  readonly cause?: unknown;
}

/**
 * Everything that goes wrong without an OAuth error from the server: each has a stable
 * `code` and a `hint` saying what to do.
 */
export class TollgateClientError extends Error {
  /** A stable code callers can switch on. */
  readonly code: TollgateClientErrorCode;
  /** What to do about it, in plain words. */
  readonly hint: string;

  constructor(code: TollgateClientErrorCode, message: string, options: TollgateClientErrorOptions) {
    super(`${message} ${options.hint}`, { cause: options.cause });
    this.name = 'TollgateClientError';
    this.code = code;
    this.hint = options.hint;
  }
}
