/**
 * GET /oauth/user/info (SPEC R6.1): the signed-in user's profile for a token with
 * AaaServer.profile.READ. Refusals use the resource-API error shape of the profile (R0).
 */
import { authorizeRequest } from '@tollgate/resource';
import { invalidToken } from '../../core/errors.ts';
import { presentedRequest } from '../dpop.ts';
import { joinedUser } from '../local-verifier.ts';
import type { RouteModule } from '../routes.ts';

export const PROFILE_SCOPE = 'AaaServer.profile.READ';

export const userInfoEndpoint: RouteModule = {
  owns: [{ prefix: '/oauth/user/', kind: 'resource' }],

  metadata: (ctx) => ({ userinfo_endpoint: `${ctx.issuer}/oauth/user/info` }),

  async register(app) {
    const ctx = app.tollgate;
    app.get('/oauth/user/info', { config: { errorKind: 'resource' } }, async (request, reply) => {
      const claims = await authorizeRequest(
        ctx.tokens,
        request.url,
        request.headers.authorization,
        [PROFILE_SCOPE],
        { request: presentedRequest(request, ctx.issuer) },
      );
      // The user the token's read joined (SPEC R16), without another await; else read it.
      const joined = joinedUser(claims);
      const user = joined === undefined ? await ctx.findUser(claims.userId) : joined;
      if (!user || user.disabled) throw invalidToken('The account of this token is disabled.');
      return reply.header('cache-control', 'no-store').send({
        First_Name: user.firstName,
        Last_Name: user.lastName,
        Email: user.email,
        Display_Name: user.displayName,
        ZUID: user.zuid,
      });
    });
  },
};
