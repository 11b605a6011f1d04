/**
 * `@tollgate/resource/fastify`: a Fastify plugin for APIs protected by Tollgate tokens:
 *
 * ```ts
 * await app.register(tollgateResource, { verifier, profile: 'zoho' });
 * app.get('/operators', { onRequest: app.requireScope('SalesIQ.operators.READ') }, (request) => request.accessToken);
 * ```
 *
 * The check runs in `onRequest`, before any body is read, so an unauthenticated caller never
 * gets its body parsed. Fastify is an optional peer dependency: only this entry point needs it.
 */
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from 'fastify';
import { authorizeRequest } from './authorize-request.ts';
import { resourceErrorResponse } from './error-response.ts';
import { OAuthError } from './errors.ts';
import type { WireProfile } from './profiles.ts';
import {
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  protectedResourceMetadataUrl,
  type ProtectedResourceOptions,
} from './protected-resource.ts';
import { presentedUrl } from './sender-constraint.ts';
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
  profile?: WireProfile;
  /**
   * This API as a protected resource (RFC 9728, SPEC R14.2): the plugin serves its metadata
   * document at `/.well-known/oauth-protected-resource` and the path-suffixed form, refuses
   * tokens whose audience does not include `resource`, and names the document in
   * `WWW-Authenticate: Bearer resource_metadata="..."`.
   */
  protectedResource?: ProtectedResourceOptions;
  /**
   * The public origin clients call (e.g. `https://api.example.com`), for DPoP proofs' `htu`
   * behind a proxy (default: the request's protocol and host).
   */
  publicOrigin?: string;
}

const plugin: FastifyPluginAsync<TollgateResourceOptions> = async (app, options) => {
  const profile = options.profile ?? 'zoho';
  const described = options.protectedResource;
  const hints = described
    ? { resourceMetadata: protectedResourceMetadataUrl(described.resource) }
    : {};
  if (described) {
    const document = protectedResourceMetadata(described);
    for (const path of protectedResourceMetadataPaths(described.resource)) {
      app.get(path, async (_request, reply) =>
        reply.header('cache-control', 'public, max-age=300').send(document),
      );
    }
  }
  app.decorateRequest('accessToken', null);
  app.decorate('requireScope', (...scopes: string[]): onRequestHookHandler => {
    return async function checkToken(request: FastifyRequest, reply: FastifyReply) {
      try {
        request.accessToken = await authorizeRequest(
          options.verifier,
          request.url,
          request.headers.authorization,
          scopes,
          {
            resource: described?.resource,
            request: {
              method: request.method,
              url: presentedUrl(options.publicOrigin, request.protocol, request.host, request.url),
              dpop: request.headers.dpop,
            },
          },
        );
      } catch (error) {
        if (!(error instanceof OAuthError) || error.status >= 500)
          request.log.error({ err: error }, 'token verification failed');
        const { status, headers, body } = resourceErrorResponse(error, profile, undefined, hints);
        return reply.status(status).headers(headers).send(body);
      }
    };
  });
};

// What fastify-plugin would set, without the dependency: the decorators stay visible to the
// registering scope instead of being encapsulated, and Fastify checks the major version.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'tollgate-resource',
  [Symbol.for('plugin-meta')]: { fastify: '5.x', name: 'tollgate-resource' },
});

/** The plugin; its decorators are visible to the registering scope. */
export const tollgateResource: FastifyPluginAsync<TollgateResourceOptions> = plugin;
