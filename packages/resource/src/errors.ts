/**
 * The error a protected resource refuses a request with. The authorization server's own protocol
 * errors extend this class, so one `instanceof` check and one renderer serve both.
 * @see RFC 6750 §3.1
 */

/** The codes a resource server answers with (RFC 6750 §3.1, plus the generic ones). */
export type ResourceErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'server_error'
  | 'temporarily_unavailable';

export interface OAuthErrorOptions {
  /** HTTP status in the rfc profile (default 400). */
  status?: number;
  /** Whether the description may be shown to the caller (false for unexpected errors). */
  expose?: boolean;
  /** Seconds after which the caller may try again (sent as `Retry-After`). */
  retryAfter?: number;
  /** For insufficient_scope: the scope the resource needs. */
  scope?: string;
  /** What caused it (logged, never sent). */
  cause?: unknown;
  /**
   * The authentication scheme of the `WWW-Authenticate` challenge (default `Bearer`); `DPoP`
   * for refusals of DPoP requests and DPoP-bound tokens (RFC 9449 §7.1).
   */
  challenge?: 'Bearer' | 'DPoP';
}

/** A protocol error: a code from a closed list, a description, and how it travels. */
export class OAuthError<Code extends string = ResourceErrorCode> extends Error {
  readonly error: Code;
  readonly description: string;
  readonly status: number;
  readonly expose: boolean;
  readonly retryAfter: number | undefined;
  readonly scope: string | undefined;
  readonly challenge: 'Bearer' | 'DPoP';

  constructor(error: Code, description: string, options: OAuthErrorOptions = {}) {
    super(
      `${error}: ${description}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'OAuthError';
    this.error = error;
    this.description = description;
    this.status = options.status ?? 400;
    this.expose = options.expose ?? true;
    this.retryAfter = options.retryAfter;
    this.scope = options.scope;
    this.challenge = options.challenge ?? 'Bearer';
  }
}

/** The token is missing, malformed, unknown, revoked or expired (401). @see RFC 6750 §3.1 */
export const invalidToken = (description: string, challenge?: 'Bearer' | 'DPoP'): OAuthError =>
  new OAuthError('invalid_token', description, {
    status: 401,
    ...(challenge === undefined ? {} : { challenge }),
  });

/** The token is good but lacks a scope the resource needs (403). @see RFC 6750 §3.1 */
export const insufficientScope = (scope: string): OAuthError =>
  new OAuthError('insufficient_scope', `The token lacks the scope ${scope}.`, {
    status: 403,
    scope,
  });

/** The request itself is malformed (400). */
export const badRequest = (description: string): OAuthError =>
  new OAuthError('invalid_request', description, { status: 400 });

/** The authorization server could not answer; the caller should retry soon (503). */
export const unavailable = (description: string, cause?: unknown): OAuthError =>
  new OAuthError('temporarily_unavailable', description, { status: 503, retryAfter: 5, cause });

/** Anything unexpected: shown without detail (500). */
export const serverError = (cause?: unknown): OAuthError =>
  new OAuthError('server_error', 'An unexpected error occurred.', {
    status: 500,
    expose: false,
    cause,
  });
