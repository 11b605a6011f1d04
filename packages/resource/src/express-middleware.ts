/**
 * A plain `(req, res, next)` middleware for Express-style servers (Express, Connect, Polka, or
 * bare `node:http`):
 *
 * ```ts
 * app.get('/operators', requireScopeMiddleware({ verifier, scopes: ['SalesIQ.operators.READ'] }), handler);
 * ```
 *
 * On success it sets `req.accessToken` and calls `next()`; otherwise it writes the refusal in
 * the profile's shape (SPEC R0) and does not call `next`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OAuthError } from './errors.ts';
import type { WireProfile } from './profiles.ts';
import { resourceErrorResponse } from './error-response.ts';
import { authorizeRequest } from './authorize-request.ts';
import type { TokenVerifier } from './verifier.ts';
import {
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  protectedResourceMetadataUrl,
  type ProtectedResourceOptions,
} from './protected-resource.ts';
import { presentedUrl } from './sender-constraint.ts';
import type { AccessTokenClaims } from './verify.ts';

export interface RequireScopeMiddlewareOptions {
  verifier: TokenVerifier;
  /** Every scope the route needs (`Service.resource.ALL` covers its operations). */
  scopes: readonly string[];
  /** How refusals look: `zoho` (default), `zoho-legacy` or `rfc`. */
  profile?: WireProfile;
  /** Told about unexpected failures (e.g. the authorization server unreachable). */
  onError?: (error: unknown) => void;
  /**
   * This API's resource identifier (RFC 8707, SPEC R14.2): tokens whose audience does not
   * include it are refused, and refusals point at its metadata document
   * (`WWW-Authenticate: Bearer resource_metadata="..."`).
   */
  resource?: string;
  /**
   * The public origin clients call (e.g. `https://api.example.com`), for DPoP proofs' `htu`
   * behind a proxy (default: the request's scheme and Host header).
   */
  publicOrigin?: string;
}

/** A request that passed the check. */
export type AuthorizedRequest = IncomingMessage & { accessToken?: AccessTokenClaims };

/** The connect-style middleware signature. */
export type Middleware = (
  req: AuthorizedRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Builds the middleware for one route.
 * @see RFC 6750 §2.1, §3.1
 */
export function requireScopeMiddleware(options: RequireScopeMiddlewareOptions): Middleware {
  const profile = options.profile ?? 'zoho';
  const hints =
    options.resource === undefined
      ? {}
      : { resourceMetadata: protectedResourceMetadataUrl(options.resource) };
  return (req, res, next) => {
    const url = req.url ?? '/';
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
    authorizeRequest(options.verifier, url, req.headers.authorization, options.scopes, {
      resource: options.resource,
      request: {
        method: req.method ?? 'GET',
        url: presentedUrl(options.publicOrigin, secure ? 'https' : 'http', req.headers.host, url),
        dpop: req.headers.dpop,
      },
    }).then(
      (claims) => {
        req.accessToken = claims;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof OAuthError) || error.status >= 500) options.onError?.(error);
        const { status, headers, body } = resourceErrorResponse(error, profile, undefined, hints);
        const text = JSON.stringify(body);
        res.writeHead(status, {
          ...headers,
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      },
    );
  };
}

/**
 * A middleware that answers `GET` on the metadata paths of RFC 9728 §3 (the path-suffixed form
 * and the bare well-known path) with the protected resource's document, and passes everything
 * else on. Mount it before the protected routes.
 */
export function protectedResourceMetadataMiddleware(options: ProtectedResourceOptions): Middleware {
  const text = JSON.stringify(protectedResourceMetadata(options));
  const paths = new Set(protectedResourceMetadataPaths(options.resource));
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if ((req.method === 'GET' || req.method === 'HEAD') && paths.has(path)) {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'public, max-age=300',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    next();
  };
}
