/**
 * Revocation. Zoho's form: POST /oauth/v2/token/revoke?token=... → {"status":"success"}, HTTP 400
 * for an unknown token. RFC 7009's form: POST /oauth/v2/revoke, client-authenticated, HTTP 200
 * with an empty body whether or not the token was known (RFC 7009 §2.2). Revoking a refresh
 * token revokes its access tokens (SPEC R6.3).
 */
import type { FastifyInstance } from 'fastify';
import { hashSecret } from '../../core/ids.ts';
import type { Profile } from '../../core/profiles.ts';
import { authenticateClient, usesBasicAuth } from '../client-auth.ts';
import { readParams, requireParam } from '../params.ts';
import { sendTokenError, toOAuthError } from '../render-error.ts';

export async function revokeEndpoints(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;

  app.post('/oauth/v2/token/revoke', { config: { errorKind: 'token' } }, async (request, reply) => {
    try {
      const token = requireParam(readParams(request), 'token');
      const outcome = await ctx.store.revokeToken(hashSecret(token));
      reply.header('cache-control', 'no-store');
      if (outcome === 'unknown')
        return reply.status(400).send({ status: 'failure', error: 'invalid_token' });
      return reply.send({ status: 'success' });
    } catch (error) {
      return sendTokenError(reply, toOAuthError(error, request), ctx.config.profile);
    }
  });

  app.post('/oauth/v2/revoke', { config: { errorKind: 'token' } }, async (request, reply) => {
    let profile: Profile = ctx.config.profile;
    try {
      const params = readParams(request);
      const client = await authenticateClient(ctx, request, params);
      profile = ctx.profileFor(client.client);
      const token = requireParam(params, 'token');
      // A client may revoke only its own tokens; others' are treated as unknown (RFC 7009 §2.1).
      await ctx.store.revokeToken(hashSecret(token), client.client.clientId);
      return reply.header('cache-control', 'no-store').status(200).send('');
    } catch (error) {
      return sendTokenError(reply, toOAuthError(error, request), profile, usesBasicAuth(request));
    }
  });
}
