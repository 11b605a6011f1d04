/** GET /.well-known/oauth-authorization-server (RFC 8414, SPEC R6.5). */
import type { FastifyInstance } from 'fastify';

export async function metadataEndpoint(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;
  app.get('/.well-known/oauth-authorization-server', async (_request, reply) => {
    const base = ctx.issuer;
    const rfc = ctx.config.profile === 'rfc';
    return reply.header('cache-control', 'public, max-age=300').send({
      issuer: base,
      authorization_endpoint: `${base}/oauth/v2/auth`,
      token_endpoint: `${base}/oauth/v2/token`,
      revocation_endpoint: `${base}/oauth/v2/revoke`,
      introspection_endpoint: `${base}/oauth/v2/introspect`,
      userinfo_endpoint: `${base}/oauth/user/info`,
      scopes_supported: ctx.scopes.entries.map((e) => e.name),
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'none',
      ],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: rfc ? ['S256'] : ['S256', 'plain'],
      authorization_response_iss_parameter_supported: rfc,
      service_documentation: `${base}/`,
    });
  });
}
