/**
 * GET /.well-known/oauth-authorization-server (RFC 8414, SPEC R6.5) and
 * /.well-known/openid-configuration (OpenID Connect Discovery 1.0 §3, SPEC R13.3). Both documents
 * are assembled from what the route modules contribute, so they list exactly what is registered
 * and enabled.
 */
import { collectMetadata, type RouteModule } from '../routes.ts';

/** The metadata endpoint over a set of route modules. */
export function metadataEndpoint(modules: readonly RouteModule[]): RouteModule {
  return {
    async register(app) {
      const ctx = app.tollgate;
      for (const [path, document] of [
        ['/.well-known/oauth-authorization-server', 'oauth'],
        ['/.well-known/openid-configuration', 'openid'],
      ] as const) {
        app.get(path, { config: { errorKind: 'resource' } }, async (_request, reply) =>
          reply.header('cache-control', 'public, max-age=300').send({
            issuer: ctx.issuer,
            ...collectMetadata(ctx, modules, document),
            scopes_supported: ctx.scopes.entries.map((e) => e.name),
            service_documentation: `${ctx.issuer}/`,
          }),
        );
      }
    },
  };
}
