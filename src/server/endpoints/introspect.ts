/**
 * POST /oauth/v2/introspect (RFC 7662, SPEC R6.4), for authenticated confidential clients such as
 * resource servers. Answers `{"active": false}` for anything not live, without saying why.
 */
import type { FastifyInstance } from 'fastify';
import { invalidClient } from '../../core/errors.ts';
import { hashSecret } from '../../core/ids.ts';
import type { Profile } from '../../core/profiles.ts';
import { formatScopes } from '../../core/scopes.ts';
import { authenticateClient, usesBasicAuth } from '../client-auth.ts';
import { param, readParams, requireParam } from '../params.ts';
import { sendTokenError, toOAuthError } from '../render-error.ts';

export async function introspectEndpoint(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;
  app.post('/oauth/v2/introspect', { config: { errorKind: 'token' } }, async (request, reply) => {
    let profile: Profile = ctx.config.profile;
    try {
      const params = readParams(request);
      const caller = await authenticateClient(ctx, request, params);
      profile = ctx.profileFor(caller.client);
      if (caller.method === 'none')
        throw invalidClient('Introspection needs client authentication.');
      const token = requireParam(params, 'token');
      const hint = param(params, 'token_type_hint');
      const hash = hashSecret(token);
      const now = ctx.now();
      reply.header('cache-control', 'no-store');

      const lookups =
        hint === 'refresh_token'
          ? (['refresh', 'access'] as const)
          : (['access', 'refresh'] as const);
      for (const kind of lookups) {
        if (kind === 'access') {
          const at = await ctx.store.findAccessToken(hash);
          if (at && at.expiresAt > now) {
            return reply.send({
              active: true,
              scope: formatScopes(at.scopes),
              client_id: at.clientId,
              token_type: 'Bearer',
              exp: Math.floor(at.expiresAt / 1000),
              sub: String(at.zuid),
              iss: ctx.issuer,
            });
          }
        } else {
          const rt = await ctx.store.findRefreshToken(hash);
          if (rt && rt.rotatedAt === null) {
            return reply.send({
              active: true,
              scope: formatScopes(rt.scopes),
              client_id: rt.clientId,
              token_type: 'refresh_token',
              iat: Math.floor(rt.createdAt / 1000),
              sub: String(rt.zuid),
              iss: ctx.issuer,
            });
          }
        }
      }
      return reply.send({ active: false });
    } catch (error) {
      return sendTokenError(reply, toOAuthError(error, request), profile, usesBasicAuth(request));
    }
  });
}
