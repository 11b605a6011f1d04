/**
 * `tollgate/resource`: accept Tollgate access tokens in any Node API.
 *
 * - {@link createTokenVerifier} — `verifyAccessToken(authorizationHeader)` in local mode (same
 *   database) or remote mode (RFC 7662 introspection with a bounded cache, default 30 s).
 * - {@link hasScope} — scope matching of SPEC R7 (`ALL` covers READ/CREATE/UPDATE/DELETE).
 * - {@link tollgateResource} — a Fastify plugin adding `app.requireScope(...)` per route.
 * - {@link requireScopeMiddleware} — a plain `(req, res, next)` middleware.
 * - {@link resourceErrorResponse} — refusals in the profile's shape (SPEC R0, RFC 6750 §3).
 * @packageDocumentation
 */
export { hasScope } from '../core/scopes.ts';
export { OAuthError, type OAuthErrorCode } from '../core/errors.ts';
export type { Profile } from '../core/profiles.ts';
export { extractToken, type AccessTokenClaims } from './verify.ts';
export {
  createTokenVerifier,
  DEFAULT_REMOTE_CACHE_TTL_MS,
  type LocalVerifierOptions,
  type RemoteVerifierOptions,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './verifier.ts';
export { authorizeRequest, tollgateResource, type TollgateResourceOptions } from './fastify-plugin.ts';
export { requireScopeMiddleware, type AuthorizedRequest, type Middleware, type RequireScopeMiddlewareOptions } from './express-middleware.ts';
export { resourceErrorResponse, RESOURCE_ERROR_CODES, type ResourceErrorResponse } from './error-response.ts';
export { rejectQueryToken, QUERY_TOKEN_PARAMS } from './query-token.ts';
