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

/** Sets helmet's headers for `options` on every reply of the app. */
export function addSecurityHeaders(app: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const headers = helmetHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
