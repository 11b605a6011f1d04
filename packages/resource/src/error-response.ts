/**
 * How a protected resource refuses a request, per profile (SPEC R0), without any framework:
 * the Fastify plugin, the Express-style middleware and Tollgate's own API all send this.
 */
import { DPOP_ALGORITHMS } from './dpop.ts';
import { OAuthError, serverError } from './errors.ts';
import { REFUSAL_TRAITS, retryAfterHeader, type WireProfile } from './profiles.ts';

/**
 * Numeric codes of the SalesIQ API's error object. 1001, 1002, 1004, 1005 and 1006 are the
 * codes SalesIQ documents; the others are Tollgate's, in the same range.
 */
export const RESOURCE_ERROR_CODES: Readonly<Record<string, number>> = {
  server_error: 1001,
  invalid_request: 1002,
  invalid_token: 1003,
  method_not_allowed: 1004,
  invalid_portal: 1005,
  not_found: 1006,
  insufficient_scope: 1007,
  invalid_input: 1008,
  slow_down: 1009,
  temporarily_unavailable: 1010,
  invalid_dpop_proof: 1011,
};

/** The description Tollgate gives when no token was sent; RFC 6750 §3.1 then wants no error code. */
export const NO_TOKEN_DESCRIPTION = 'No access token was sent.';

/** Hints a refusal carries for the client. */
export interface ResourceErrorHints {
  /** The URL of this resource's metadata document (RFC 9728 §5.1 `resource_metadata`). */
  resourceMetadata?: string | undefined;
}

/** A refusal ready to write: status, headers and a JSON body. */
export interface ResourceErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const quote = (s: string): string => `"${s.replace(/["\\\r\n]/g, ' ')}"`;

/**
 * The wire form of a refusal. Zoho profiles answer HTTP 200 `{"error":{"code","message"}}` for
 * anything but a server fault; the rfc profile answers 401/403 with `WWW-Authenticate: Bearer`
 * carrying `error`, `error_description` and, for 403, the `scope` needed.
 * @param code the name of the numeric code (a key of RESOURCE_ERROR_CODES); defaults to `err.error`.
 * @param hints `resource_metadata` for 401 answers (RFC 9728 §5.1), so a client can discover
 * the authorization server.
 * @see RFC 6750 §3, §3.1
 */
export function resourceErrorResponse(
  error: unknown,
  profile: WireProfile,
  code?: string,
  hints: ResourceErrorHints = {},
): ResourceErrorResponse {
  const err = error instanceof OAuthError ? error : serverError();
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  const message = err.expose ? err.description : 'An unexpected error occurred.';
  const numeric = RESOURCE_ERROR_CODES[code ?? err.error];
  const { refusalsAsHttp200 } = REFUSAL_TRAITS[profile];
  if (refusalsAsHttp200 && err.status < 500) {
    return { status: 200, headers, body: { error: { code: numeric ?? 1008, message } } };
  }
  if (err.retryAfter !== undefined) headers['retry-after'] = retryAfterHeader(err.retryAfter);
  const challenge =
    err.status === 401 ||
    err.status === 403 ||
    (err.status === 400 && err.error === 'invalid_request');
  if (challenge) {
    const params = ['realm="tollgate"'];
    if (err.status !== 401 || err.description !== NO_TOKEN_DESCRIPTION) {
      params.push(`error=${quote(err.error)}`, `error_description=${quote(message)}`);
    }
    if (err.scope) params.push(`scope=${quote(err.scope)}`);
    if (hints.resourceMetadata !== undefined && (err.status === 401 || err.status === 403))
      params.push(`resource_metadata=${quote(hints.resourceMetadata)}`);
    // RFC 9449 §7.1: DPoP refusals name the algorithms a proof may use.
    if (err.challenge === 'DPoP') params.push(`algs=${quote(DPOP_ALGORITHMS.join(' '))}`);
    headers['www-authenticate'] = `${err.challenge} ${params.join(', ')}`;
  }
  if (refusalsAsHttp200) {
    return { status: err.status, headers, body: { error: { code: numeric ?? 1001, message } } };
  }
  const body: Record<string, unknown> = { error: err.error };
  if (err.expose) body.error_description = err.description;
  return { status: err.status, headers, body };
}
