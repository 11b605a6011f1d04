/**
 * GET /.well-known/oauth-authorization-server (RFC 8414, SPEC R6.5). The document is assembled
 * from what the route modules contribute, so it lists exactly what is registered and enabled.
 */
import { collectMetadata, type RouteModule } from '../routes.ts';

/** The metadata endpoint over a set of route modules. */
export function metadataEndpoint(modules: readonly RouteModule[]): RouteModule {
  return {
    async register(app) {
      const ctx = app.tollgate;
      app.get(
        '/.well-known/oauth-authorization-server',
        { config: { errorKind: 'resource' } },
        async (_request, reply) =>
          reply.header('cache-control', 'public, max-age=300').send({
            issuer: ctx.issuer,
            ...collectMetadata(ctx, modules),
            scopes_supported: ctx.scopes.entries.map((e) => e.name),
            service_documentation: `${ctx.issuer}/`,
          }),
      );
    },
  };
}
