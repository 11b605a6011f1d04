/**
 * A Fastify plugin for APIs protected by Tollgate tokens:
 *
 * ```ts
 * await app.register(tollgateResource, { verifier, profile: 'zoho' });
 * app.get('/operators', { onRequest: app.requireScope('SalesIQ.operators.READ') }, (request) => request.accessToken);
 * ```
 *
 * The check runs in `onRequest`, before any body is read, so an unauthenticated caller never
 * gets its body parsed.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { insufficientScope, OAuthError } from '../core/errors.ts';
import type { Profile } from '../core/profiles.ts';
import { hasScope } from '../core/scopes.ts';
import { resourceErrorResponse } from './error-response.ts';
import { rejectQueryToken } from './query-token.ts';
import type { TokenVerifier } from './verifier.ts';
import type { AccessTokenClaims } from './verify.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * An `onRequest` hook that admits only requests whose access token carries every given scope
     * (`Service.resource.ALL` covering its operations, SPEC R7), and sets `request.accessToken`.
     */
    requireScope(...scopes: string[]): onRequestHookHandler;
  }
  interface FastifyRequest {
    /** The verified token of the request, set by `requireScope`. */
    accessToken: AccessTokenClaims | null;
  }
}

export interface TollgateResourceOptions {
  verifier: TokenVerifier;
  /** How refusals look (SPEC R0): `zoho` (default) or `zoho-legacy` HTTP 200 bodies, or `rfc` 401/403. */
  profile?: Profile;
}

/**
 * Checks a request's token and scopes, or throws the refusal.
 * @throws OAuthError invalid_token, invalid_request or insufficient_scope
 * @see RFC 6750 §3.1
 */
export async function authorizeRequest(
  verifier: TokenVerifier,
  url: string,
  authorizationHeader: string | undefined,
  scopes: readonly string[],
): Promise<AccessTokenClaims> {
  rejectQueryToken(url);
  const claims = await verifier.verifyAccessToken(authorizationHeader);
  const missing = scopes.find((scope) => !hasScope(claims.scopes, scope));
  if (missing !== undefined) throw insufficientScope(missing);
  return claims;
}

const plugin: FastifyPluginAsync<TollgateResourceOptions> = async (app, options) => {
  const profile = options.profile ?? 'zoho';
  app.decorateRequest('accessToken', null);
  app.decorate('requireScope', (...scopes: string[]): onRequestHookHandler => {
    return async function checkToken(request: FastifyRequest, reply: FastifyReply) {
      try {
        request.accessToken = await authorizeRequest(options.verifier, request.url, request.headers.authorization, scopes);
      } catch (error) {
        if (!(error instanceof OAuthError) || error.status >= 500) request.log.error({ err: error }, 'token verification failed');
        const { status, headers, body } = resourceErrorResponse(error, profile);
        return reply.status(status).headers(headers).send(body);
      }
    };
  });
};

/** The plugin; its decorators are visible to the registering scope (fastify-plugin). */
export const tollgateResource = fp(plugin, { fastify: '5.x', name: 'tollgate-resource' });
