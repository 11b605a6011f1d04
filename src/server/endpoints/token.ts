/**
 * POST /oauth/v2/token (SPEC R4). Parameters from the query string, a url-encoded body or a
 * multipart body; the client authenticates; the grant module does the rest.
 */
import type { FastifyInstance } from 'fastify';
import { OAuthError, unsupportedGrantType } from '../../core/errors.ts';
import type { Profile } from '../../core/profiles.ts';
import { authenticateClient, usesBasicAuth } from '../client-auth.ts';
import { GRANTS } from '../grants/index.ts';
import { readParams, requireParam } from '../params.ts';
import { sendTokenError, toOAuthError } from '../render-error.ts';

export async function tokenEndpoint(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;
  app.post('/oauth/v2/token', { config: { errorKind: 'token' } }, async (request, reply) => {
    let profile: Profile = ctx.config.profile;
    try {
      const params = readParams(request);
      const grantType = requireParam(params, 'grant_type');
      const grant = GRANTS.get(grantType);
      if (!grant) throw unsupportedGrantType(grantType.slice(0, 50));
      const client = await authenticateClient(ctx, request, params);
      profile = ctx.profileFor(client.client);
      const body = await grant.handle({ ctx, request, params, client, profile });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
    } catch (error) {
      return sendTokenError(reply, toOAuthError(error, request), profile, usesBasicAuth(request));
    }
  });

  app.get('/oauth/v2/token', { config: { errorKind: 'token' } }, async (_request, reply) => {
    reply.header('allow', 'POST');
    const err = new OAuthError('invalid_request', 'The token endpoint takes POST requests only.', {
      status: 405,
    });
    return sendTokenError(reply, err, ctx.config.profile);
  });
}
