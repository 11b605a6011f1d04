/**
 * GET /oauth/user/info (SPEC R6.1): the signed-in user's profile for a token with
 * AaaServer.profile.READ. Refusals use the resource-API error shape of the profile (R0).
 */
import type { FastifyInstance } from 'fastify';
import { insufficientScope, invalidToken } from '../../core/errors.ts';
import { hasScope } from '../../core/scopes.ts';
import { rejectQueryToken } from '@tollgate/resource';
import { sendResourceError, toOAuthError } from '../render-error.ts';

export const PROFILE_SCOPE = 'AaaServer.profile.READ';

export async function userInfoEndpoint(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;
  app.get('/oauth/user/info', { config: { errorKind: 'resource' } }, async (request, reply) => {
    try {
      rejectQueryToken(request.url);
      const claims = await ctx.tokens.verifyAccessToken(request.headers.authorization);
      if (!hasScope(claims.scopes, PROFILE_SCOPE)) throw insufficientScope(PROFILE_SCOPE);
      const user = await ctx.store.findUser(claims.userId);
      if (!user || user.disabled) throw invalidToken('The account of this token is disabled.');
      return reply.header('cache-control', 'no-store').send({
        First_Name: user.firstName,
        Last_Name: user.lastName,
        Email: user.email,
        Display_Name: user.displayName,
        ZUID: user.zuid,
      });
    } catch (error) {
      return sendResourceError(reply, toOAuthError(error, request), ctx.config.profile);
    }
  });
}
