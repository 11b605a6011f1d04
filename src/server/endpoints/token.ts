/**
 * POST /oauth/v2/token (SPEC R4). Parameters from the query string, a url-encoded body or a
 * multipart body; the client authenticates; the grant module does the rest. Errors are thrown
 * and rendered in the client's profile (the request records it once the client is known).
 */
import { OAuthError, unsupportedGrantType } from '../../core/errors.ts';
import { DPOP_ALGORITHMS } from '@tollgate/resource';
import { authenticateClient } from '../client-auth.ts';
import { tokenRequestProof } from '../dpop.ts';
import { enabledGrants, findGrant } from '../grants/index.ts';
import { readParams, requireParams } from '../params.ts';
import type { RouteModule } from '../routes.ts';

export const tokenEndpoint: RouteModule = {
  owns: [{ prefix: '/oauth/v2/token', kind: 'token' }],

  metadata: (ctx) => ({
    token_endpoint: `${ctx.issuer}/oauth/v2/token`,
    grant_types_supported: enabledGrants(ctx).map((g) => g.grantType),
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    // RFC 9449 §5.1: a proof at the token endpoint binds the tokens to its key (SPEC R14.7).
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
  }),

  async register(app) {
    const ctx = app.tollgate;
    app.post('/oauth/v2/token', { config: { errorKind: 'token' } }, async (request, reply) => {
      const params = readParams(request);
      const [grantType = ''] = requireParams(params, ['grant_type']);
      const grant = findGrant(ctx, grantType);
      if (!grant) throw unsupportedGrantType(grantType.slice(0, 50));
      const client = await authenticateClient(ctx, request, params);
      request.wireProfile = ctx.profileFor(client.client);
      requireParams(params, grant.parameters.required);
      const dpopJkt = await tokenRequestProof(ctx, request, '/oauth/v2/token');
      const body = await grant.handle({
        ctx,
        request,
        params,
        client,
        profile: request.wireProfile,
        dpopJkt,
      });
      ctx.metrics?.tokensMinted.inc({ grant: grant.grantType });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
    });

    app.get('/oauth/v2/token', { config: { errorKind: 'token' } }, async (_request, reply) => {
      reply.header('allow', 'POST');
      throw new OAuthError('invalid_request', 'The token endpoint takes POST requests only.', {
        status: 405,
      });
    });
  },
};
