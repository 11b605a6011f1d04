/**
 * The security headers of every response (CSP, frame and referrer policies, HSTS, nosniff, ...),
 * computed once by helmet itself and copied onto each reply by one hook.
 *
 * @fastify/helmet calls `helmet(config)(req, res)` on every request, which rebuilds helmet's
 * middleware stack and re-parses the CSP directives each time (about 45 µs of CPU per request,
 * measured). Tollgate's headers never vary per request (no CSP nonces), so the same values are
 * captured at startup instead: the output is exactly what helmet would send.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** The headers helmet sets for these options, by lower-case name. */
export function helmetHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
    },
  );
  return Object.freeze(headers);
}

/**
 * The headers of a machine-readable answer (token endpoint, user info, the APIs, metadata):
 * OWASP's REST set, taken from the page set with a CSP that allows nothing. The page-only
 * policies (script and style sources, cross-origin opener, origin-agent-cluster, DNS prefetch,
 * download and XSS-filter switches) describe documents a browser renders, and a JSON answer is
 * none; framing and sniffing stay forbidden on every response.
 */
export function apiHeaders(
  pageHeaders: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const kept = [
    'cross-origin-resource-policy',
    'referrer-policy',
    'strict-transport-security',
    'x-content-type-options',
    'x-frame-options',
  ];
  const headers: Record<string, string> = {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  };
  for (const name of kept) {
    const value = pageHeaders[name];
    if (value !== undefined) headers[name] = value;
  }
  return Object.freeze(headers);
}

/** Route kinds (`config.errorKind`) whose answers are JSON for programs, not pages. */
const API_KINDS = new Set(['token', 'resource', 'admin']);

/**
 * Sets helmet's headers for `options` on every page, and {@link apiHeaders} on every
 * protocol and API answer (by the route's `errorKind`); an unmatched path gets the page set.
 */
export function addSecurityHeaders(app: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const pageHeaders = helmetHeaders(options);
  const answerHeaders = apiHeaders(pageHeaders);
  app.addHook('onRequest', (request, reply, done) => {
    const kind = request.routeOptions.config.errorKind as string | undefined;
    reply.headers(kind !== undefined && API_KINDS.has(kind) ? answerHeaders : pageHeaders);
    done();
  });
}
