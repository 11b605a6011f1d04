/**
 * `@tollgate/resource`: accept Tollgate access tokens in any Node API. No runtime dependencies.
 *
 * - {@link createTokenVerifier}: `verifyAccessToken(authorizationHeader)` by RFC 7662
 *   introspection against a Tollgate server, with a bounded cache (default 30 s).
 * - {@link hasScope}: scope matching of SPEC R7 and R12.5 (`ALL` covers READ/CREATE/UPDATE/DELETE/
 *   WRITE and composites of them such as CREATE-UPDATE).
 * - {@link requireScopeMiddleware}: a plain `(req, res, next)` middleware.
 * - {@link resourceErrorResponse}: refusals in the profile's shape (SPEC R0, RFC 6750 §3).
 * - {@link createJwtVerifier}: JWT access tokens (RFC 9068) verified from the issuer's keys.
 * - {@link createDpopChecker}: DPoP proof checks (RFC 9449), used by every verifier for
 *   DPoP-bound tokens.
 * - `@tollgate/resource/fastify`: a Fastify plugin adding `app.requireScope(...)` per route.
 * @packageDocumentation
 */
export { hasScope } from './scopes.ts';
export {
  OAuthError,
  invalidToken,
  insufficientScope,
  type OAuthErrorOptions,
  type ResourceErrorCode,
} from './errors.ts';
export {
  WIRE_PROFILES,
  REFUSAL_TRAITS,
  isWireProfile,
  retryAfterHeader,
  type RefusalTraits,
  type WireProfile,
} from './profiles.ts';
export {
  extractToken,
  parseAuthorization,
  type AccessTokenClaims,
  type TokenScheme,
} from './verify.ts';
export {
  createDpopChecker,
  memoryReplayCheck,
  jwkThumbprint,
  invalidDpopProof,
  sha256 as base64urlSha256,
  DPOP_ALGORITHMS,
  DEFAULT_DPOP_IAT_WINDOW_SECONDS,
  type DpopAlgorithm,
  type DpopChecker,
  type DpopCheckerOptions,
  type DpopProof,
  type DpopReplayCheck,
  type DpopRequest,
} from './dpop.ts';
export {
  checkBinding,
  checkPresentedProof,
  presentedUrl,
  type PresentedRequest,
} from './sender-constraint.ts';
export {
  createCachedVerifier,
  createTokenVerifier,
  DEFAULT_REMOTE_CACHE_TTL_MS,
  TOKEN_PATTERN,
  JWT_TOKEN_PATTERN,
  isTokenFormat,
  type CachedVerifierOptions,
  type CommonVerifierOptions,
  type RemoteVerifierOptions,
  type TokenLookup,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './verifier.ts';
export { createJwtVerifier, type JwtVerifierOptions } from './jwt-verifier.ts';
export { authorizeRequest, type AuthorizeRequestOptions } from './authorize-request.ts';
export {
  protectedResourceMetadata,
  protectedResourceMetadataPath,
  protectedResourceMetadataPaths,
  protectedResourceMetadataUrl,
  PROTECTED_RESOURCE_WELL_KNOWN,
  type ProtectedResourceMetadata,
  type ProtectedResourceOptions,
} from './protected-resource.ts';
export {
  requireScopeMiddleware,
  protectedResourceMetadataMiddleware,
  type AuthorizedRequest,
  type Middleware,
  type RequireScopeMiddlewareOptions,
} from './express-middleware.ts';
export {
  resourceErrorResponse,
  NO_TOKEN_DESCRIPTION,
  RESOURCE_ERROR_CODES,
  type ResourceErrorHints,
  type ResourceErrorResponse,
} from './error-response.ts';
export { rejectQueryToken, QUERY_TOKEN_PARAMS } from './query-token.ts';
