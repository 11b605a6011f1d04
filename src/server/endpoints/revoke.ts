/**
 * Revocation. Zoho's form: POST /oauth/v2/token/revoke?token=... → {"status":"success"}, HTTP 400
 * for an unknown token. RFC 7009's form: POST /oauth/v2/revoke, client-authenticated, HTTP 200
 * with an empty body whether or not the token was known (RFC 7009 §2.2). Revoking a refresh
 * token revokes its access tokens (SPEC R6.3).
 */
import { hashSecret } from '../../core/ids.ts';
import { authenticateClient } from '../client-auth.ts';
import { readParams, requireParams } from '../params.ts';
import type { RouteModule } from '../routes.ts';

export const revokeEndpoints: RouteModule = {
  owns: [{ prefix: '/oauth/v2/revoke', kind: 'token' }],

  metadata: (ctx) => ({
    revocation_endpoint: `${ctx.issuer}/oauth/v2/revoke`,
    revocation_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'none',
    ],
  }),

  async register(app) {
    const ctx = app.tollgate;

    app.post(
      '/oauth/v2/token/revoke',
      { config: { errorKind: 'token' } },
      async (request, reply) => {
        const [token = ''] = requireParams(readParams(request), ['token']);
        const outcome = await ctx.store.revokeToken(hashSecret(token));
        reply.header('cache-control', 'no-store');
        if (outcome === 'unknown')
          return reply.status(400).send({ status: 'failure', error: 'invalid_token' });
        return reply.send({ status: 'success' });
      },
    );

    app.post('/oauth/v2/revoke', { config: { errorKind: 'token' } }, async (request, reply) => {
      const params = readParams(request);
      const client = await authenticateClient(ctx, request, params);
      request.wireProfile = ctx.profileFor(client.client);
      const [token = ''] = requireParams(params, ['token']);
      // A client may revoke only its own tokens; others' are treated as unknown (RFC 7009 §2.1).
      await ctx.store.revokeToken(hashSecret(token), client.client.clientId);
      return reply.header('cache-control', 'no-store').status(200).send('');
    });
  },
};
