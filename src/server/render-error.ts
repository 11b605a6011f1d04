/**
 * The one place that decides how an error looks on the wire. Endpoints throw; the app's error
 * handler calls {@link renderError} with the route's `errorKind` and the request's resolved
 * wire profile (SPEC R0), and one renderer per kind writes the bytes: token-style JSON,
 * resource-API JSON, the admin API's JSON, a redirect to the app, or an HTML page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  OAuthError as ResourceError,
  resourceErrorResponse,
  retryAfterHeader,
} from '@tollgate/resource';
import { OAuthError, serverError, temporarilyUnavailable } from '../core/errors.ts';
import { traitsOf, type WireProfile } from '../core/profiles.ts';
import { html } from './ui/html.ts';
import { page } from './ui/layout.ts';

/** How the errors of a route are shown. Every route sets one in `config.errorKind`. */
export type ErrorKind = 'token' | 'resource' | 'admin' | 'authorize' | 'page';

/** Where authorization errors may be sent, once the client and redirect URI are validated. */
export interface RedirectTarget {
  redirectUri: string;
  state: string | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    errorKind?: ErrorKind;
  }
  interface FastifyRequest {
    /** The wire dialect of this request: the client's own once it is known (SPEC R0). */
    wireProfile: WireProfile | null;
    /** Set by the authorization endpoint once errors may go back to the app (SPEC R3.3). */
    redirectTarget: RedirectTarget | null;
  }
}

/** The exact body Zoho sends when a caller is throttled (SPEC R0). */
export const ZOHO_THROTTLE_BODY = {
  error: 'Access Denied',
  error_description:
    'You have made too many requests continuously. Please try again after some time.',
  status: 'failure',
} as const;

const GENERIC = 'An unexpected error occurred.';

function setRetryAfter(reply: FastifyReply, err: OAuthError): void {
  if (err.retryAfter !== undefined) reply.header('retry-after', retryAfterHeader(err.retryAfter));
}

function jsonBody(err: OAuthError): Record<string, unknown> {
  return { error: err.error, error_description: err.expose ? err.description : GENERIC };
}

/** Token, revocation, introspection (and later device and registration) endpoints. @see RFC 6749 §5.2 */
function sendTokenError(
  reply: FastifyReply,
  err: OAuthError,
  profile: WireProfile,
  request: FastifyRequest,
): FastifyReply {
  const traits = traitsOf(profile);
  reply.header('cache-control', 'no-store');
  if (err.status < 500 && traits.throttleAsAccessDenied && err.zohoError === 'Access Denied') {
    return reply.status(200).send(ZOHO_THROTTLE_BODY);
  }
  if (err.status < 500 && traits.errorsAsHttp200) {
    return reply
      .status(200)
      .send({ error: (traits.zohoErrorCodes && err.zohoError) || err.error, ...err.wireFields });
  }
  setRetryAfter(reply, err);
  if (err.error === 'invalid_client' && /^Basic\s/i.test(request.headers.authorization ?? '')) {
    reply.header('www-authenticate', 'Basic realm="tollgate", charset="UTF-8"');
  }
  if (err.status >= 500 && traits.errorsAsHttp200)
    return reply.status(err.status).send({ error: err.error });
  return reply
    .status(err.status)
    .send({ ...(err.expose ? jsonBody(err) : { error: err.error }), ...err.wireFields });
}

/** Protected resources (user info, the SalesIQ-style API). @see RFC 6750 §3 */
function sendResourceError(
  reply: FastifyReply,
  err: OAuthError,
  profile: WireProfile,
): FastifyReply {
  const code = err.resourceCode ?? (err.status === 404 ? 'not_found' : undefined);
  const { status, headers, body } = resourceErrorResponse(err, profile, code);
  return reply.status(status).headers(headers).send(body);
}

/** The admin JSON API: always RFC-style, with field problems when a body was wrong. */
function sendAdminError(reply: FastifyReply, err: OAuthError): FastifyReply {
  reply.header('cache-control', 'no-store');
  setRetryAfter(reply, err);
  if (err.status === 401) reply.header('www-authenticate', 'Bearer realm="tollgate-admin"');
  return reply
    .status(err.status)
    .send({ ...jsonBody(err), ...(err.fields ? { problems: err.fields } : {}) });
}

/**
 * A readable page for a person; never a redirect. A page that is not there says so in words (its
 * error code means nothing to a person); the navigation stays when someone is signed in.
 */
function sendErrorPage(reply: FastifyReply, err: OAuthError): FastifyReply {
  setRetryAfter(reply, err);
  const status = err.error === 'slow_down' ? 429 : err.status;
  const notFound = status === 404;
  const body = html`<div class="card" data-error="${err.error}"><h1>${notFound ? 'Not found' : 'Something is not right'}</h1>
<p class="error">${err.expose ? err.description : `${GENERIC} Please try again.`}</p>
${notFound ? '' : html`<p class="muted">Error code: <code>${err.error}</code></p>`}
<p><a href="/">Back to the start page</a></p></div>`;
  const user = reply.request.signedInUser;
  // Outside the pages (no CSRF plugin) nobody was looked up, so `user` is null there.
  const csrfToken =
    user && typeof reply.generateCsrf === 'function' ? reply.generateCsrf() : undefined;
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      page({ title: notFound ? 'Not found' : 'Error', body, signedInAs: user?.email, csrfToken }),
    );
}

/** Adds query parameters to a URI, keeping its own query. */
export function appendParams(uri: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  const hashAt = uri.indexOf('#');
  const base = hashAt >= 0 ? uri.slice(0, hashAt) : uri;
  const joiner = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return base + joiner + query;
}

/** Sends an authorization error to a validated redirect URI. @see RFC 6749 §4.1.2.1 */
function redirectWithError(
  reply: FastifyReply,
  target: RedirectTarget,
  err: OAuthError,
  profile: WireProfile,
  issuer: string,
): FastifyReply {
  const params: Record<string, string> = { error: err.error };
  if (err.expose) params.error_description = err.description;
  if (target.state !== undefined) params.state = target.state;
  // RFC 9207 §2: error responses carry the issuer too (SPEC R14.5).
  if (traitsOf(profile).issInAuthorizationResponse) params.iss = issuer;
  return reply
    .header('cache-control', 'no-store')
    .redirect(appendParams(target.redirectUri, params), 302);
}

/**
 * Writes an error in the shape of the route's kind and the request's profile, and logs what the
 * caller must not see (the detail of an error, or the whole of an unexpected one).
 */
export function renderError(
  kind: ErrorKind,
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  defaultProfile: WireProfile,
): FastifyReply {
  const err = toOAuthError(error);
  if (err.status >= 500)
    request.log.error({ err: err.cause ?? err, detail: err.detail }, 'request failed');
  else if (err.detail !== undefined)
    request.log.info({ error: err.error, detail: err.detail }, 'request refused');
  const profile = request.wireProfile ?? defaultProfile;
  switch (kind) {
    case 'token':
      return sendTokenError(reply, err, profile, request);
    case 'resource':
      return sendResourceError(reply, err, profile);
    case 'admin':
      return sendAdminError(reply, err);
    case 'authorize': {
      const target = request.redirectTarget;
      if (target && err.redirectable && err.status < 500)
        return redirectWithError(reply, target, err, profile, request.server.tollgate.issuer);
      return sendErrorPage(reply, err);
    }
    case 'page':
      return sendErrorPage(reply, err);
  }
}

/**
 * Turns anything thrown into an OAuthError: framework errors about the request become
 * invalid_request, database outages temporarily_unavailable, anything else server_error.
 */
export function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof ResourceError) {
    // Thrown by the resource package's checks (header, scopes): never sent by redirect.
    return new OAuthError(error.error, error.description, {
      status: error.status,
      expose: error.expose,
      ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
      ...(error.scope === undefined ? {} : { scope: error.scope }),
      challenge: error.challenge,
      redirectable: false,
    });
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_CSRF_INVALID_TOKEN' || e.code === 'FST_CSRF_MISSING_SECRET') {
    return new OAuthError(
      'invalid_request',
      'This form has expired or did not come from this site. Go back, reload the page and try again.',
      { status: 403, redirectable: false },
    );
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const tooLarge = e.statusCode === 413;
    const status = e.statusCode === 404 || e.statusCode === 405 || tooLarge ? e.statusCode : 400;
    const description = tooLarge
      ? 'The request body is too large.'
      : `Malformed request: ${e.message ?? ''}`.slice(0, 300);
    return new OAuthError('invalid_request', description, { status, redirectable: false });
  }
  if (isMalformedBodyError(error)) {
    return new OAuthError('invalid_request', 'The request body is malformed.', {
      status: 400,
      redirectable: false,
    });
  }
  if (isUnavailable(error)) return temporarilyUnavailable();
  if (isBadValueForStore(error)) {
    // A second line of defence behind the request check in app.ts: a value the database refused
    // as data (PostgreSQL's SQLSTATE class 22) came from the request, not from a fault here.
    return new OAuthError(
      'invalid_request',
      'The request contains a value that cannot be stored.',
      {
        status: 400,
        redirectable: false,
        detail: `database refused a value: ${e.code ?? ''} ${e.message ?? ''}`,
      },
    );
  }
  const unexpected = serverError(e.message);
  unexpected.cause = error;
  return unexpected;
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

/** PostgreSQL data exceptions (class 22: bad encoding, value too long, out of range). */
function isBadValueForStore(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown };
  return (
    typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code) && typeof e.severity === 'string'
  );
}

/** Database connection failures: the caller should retry soon (503 with Retry-After). */
export function isUnavailable(error: unknown): boolean {
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
      // query_canceled: the statement ran past --db-statement-timeout (SPEC R15.5).
      '57014',
    ].includes(code) ||
    code.startsWith('SQLITE_IOERR') ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/.test(
      e.message ?? '',
    )
  );
}
