/**
 * The one place that decides how an error looks on the wire, per profile (SPEC R0) and per
 * kind of endpoint: token-style JSON, resource-API JSON, a redirect, or an HTML page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  invalidGrant,
  OAuthError,
  serverError,
  temporarilyUnavailable,
  TollgateError,
} from '../core/errors.ts';
import { isZohoProfile, type Profile } from '../core/profiles.ts';
import { OAuthError as ResourceError, resourceErrorResponse } from '@tollgate/resource';
import { html } from './ui/html.ts';
import { page } from './ui/layout.ts';

/** How errors of a route are shown. Set per route in `config.errorKind`. */
export type ErrorKind = 'token' | 'resource' | 'page';

/** The exact body Zoho sends when a caller is throttled (SPEC R0). */
export const ZOHO_THROTTLE_BODY = {
  error: 'Access Denied',
  error_description:
    'You have made too many requests continuously. Please try again after some time.',
  status: 'failure',
} as const;

function rfcBody(err: OAuthError): Record<string, string> {
  return err.expose
    ? { error: err.error, error_description: err.description }
    : { error: err.error };
}

function setRetryAfter(reply: FastifyReply, err: OAuthError): void {
  if (err.retryAfter !== undefined)
    reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfter))));
}

/** Token, revoke and introspect endpoints. @see RFC 6749 §5.2 */
export function sendTokenError(
  reply: FastifyReply,
  err: OAuthError,
  profile: Profile,
  basicAuthUsed = false,
): FastifyReply {
  reply.header('cache-control', 'no-store');
  if (isZohoProfile(profile)) {
    if (err.status >= 500) {
      setRetryAfter(reply, err);
      return reply.status(err.status).send({ error: err.error });
    }
    if (err.zohoError === 'Access Denied') return reply.status(200).send(ZOHO_THROTTLE_BODY);
    return reply.status(200).send({ error: err.zohoError ?? err.error });
  }
  setRetryAfter(reply, err);
  if (err.error === 'invalid_client' && basicAuthUsed) {
    reply.header('www-authenticate', 'Basic realm="tollgate", charset="UTF-8"');
  }
  return reply.status(err.status).send(rfcBody(err));
}

/** Protected resources (user info, the SalesIQ-style API). @see RFC 6750 §3 */
export function sendResourceError(
  reply: FastifyReply,
  err: OAuthError,
  profile: Profile,
  code?: string,
): FastifyReply {
  const { status, headers, body } = resourceErrorResponse(err, profile, code);
  return reply.status(status).headers(headers).send(body);
}

/** A readable page for a person; never a redirect. */
export function sendErrorPage(reply: FastifyReply, err: OAuthError): FastifyReply {
  setRetryAfter(reply, err);
  const status = err.error === 'slow_down' ? 429 : err.status;
  const body = html`<div class="card" data-error="${err.error}"><h1>Something is not right</h1>
<p class="error">${err.expose ? err.description : 'An unexpected error occurred. Please try again.'}</p>
<p class="muted">Error code: <code>${err.error}</code></p>
<p><a href="/">Back to the start page</a></p></div>`;
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(page({ title: 'Error', body }));
}

/** Sends an authorization error to a validated redirect URI. @see RFC 6749 §4.1.2.1 */
export function redirectWithError(
  reply: FastifyReply,
  redirectUri: string,
  err: OAuthError,
  state: string | undefined,
): FastifyReply {
  const params: Record<string, string> = { error: err.error };
  if (err.expose) params.error_description = err.description;
  if (state !== undefined) params.state = state;
  return reply.header('cache-control', 'no-store').redirect(appendParams(redirectUri, params), 302);
}

/** Adds query parameters to a URI, keeping its own query. */
export function appendParams(uri: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  const hashAt = uri.indexOf('#');
  const base = hashAt >= 0 ? uri.slice(0, hashAt) : uri;
  return (
    base +
    (base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?') +
    query
  );
}

/** Turns anything thrown into an OAuthError: framework errors about the request become invalid_request. */
export function toOAuthError(error: unknown, request?: FastifyRequest): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof ResourceError) {
    // Thrown by the resource package's checks (header, scopes): never sent by redirect.
    return new OAuthError(error.error, error.description, {
      status: error.status,
      expose: error.expose,
      retryAfter: error.retryAfter,
      scope: error.scope,
      redirectable: false,
    });
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const tooLarge = e.statusCode === 413;
    return new OAuthError(
      'invalid_request',
      tooLarge
        ? 'The request body is too large.'
        : `Malformed request: ${e.message ?? ''}`.slice(0, 300),
      {
        status: e.statusCode === 404 ? 404 : e.statusCode === 405 ? 405 : tooLarge ? 413 : 400,
        redirectable: false,
      },
    );
  }
  if (error instanceof TollgateError && error.code === 'grant_revoked') {
    // The grant ended (client deleted, user disabled, code replayed) while this request ran.
    return invalidGrant(error.message);
  }
  if (isMalformedBodyError(error)) {
    return new OAuthError('invalid_request', 'The request body is malformed.', {
      status: 400,
      redirectable: false,
    });
  }
  if (isUnavailable(error)) return temporarilyUnavailable();
  request?.log.error({ err: error }, 'unexpected error');
  return serverError();
}

/** The multipart parser (busboy) throws plain errors, without a status code, for broken bodies. */
function isMalformedBodyError(error: unknown): boolean {
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /^(Multipart: |Unexpected end of (form|multipart)|Malformed (part header|urlencoded form))/.test(
      message,
    )
  );
}

/** Database connection failures: the caller should retry soon (503 with Retry-After). */
function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  const code = typeof e.code === 'string' ? e.code : '';
  return (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'SQLITE_BUSY',
      'SQLITE_FULL',
      'SQLITE_IOERR',
      '57P01',
      '57P03',
      '08006',
      '08001',
      '08003',
    ].includes(code) ||
    code.startsWith('SQLITE_IOERR') ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
      e.message ?? '',
    )
  );
}
