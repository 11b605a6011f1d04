/**
 * GET /oauth/v2/userinfo (SPEC R13.3; OIDC Core §5.3): the claims of the token's person that its
 * scopes allow, for an access token granted `openid`. Refusals use the resource-API error shape
 * of the profile (R0), like /oauth/user/info. The module also adds the OIDC discovery fields.
 */
import { authorizeRequest } from '@tollgate/resource';
import { invalidToken } from '../../core/errors.ts';
import { CLAIMS_SUPPORTED, OPENID_SCOPE, scopedClaims } from '../../core/oidc.ts';
import { SIGNING_ALG } from '../../core/signing-keys.ts';
import { presentedRequest } from '../dpop.ts';
import type { RouteModule } from '../routes.ts';

export const openidUserInfoEndpoint: RouteModule = {
  owns: [{ prefix: '/oauth/v2/userinfo', kind: 'resource' }],

  openidMetadata: (ctx) => ({
    userinfo_endpoint: `${ctx.issuer}/oauth/v2/userinfo`,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALG],
    claims_supported: [...CLAIMS_SUPPORTED],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  }),

  async register(app) {
    const ctx = app.tollgate;
    app.get('/oauth/v2/userinfo', { config: { errorKind: 'resource' } }, async (request, reply) => {
      const token = await authorizeRequest(
        ctx.tokens,
        request.url,
        request.headers.authorization,
        [OPENID_SCOPE],
        { request: presentedRequest(request, ctx.issuer) },
      );
      const user = await ctx.userOf(token);
      if (!user || user.disabled) throw invalidToken('The account of this token is disabled.');
      return reply
        .header('cache-control', 'no-store')
        .send({ sub: String(user.zuid), ...scopedClaims(user, token.scopes) });
    });
  },
};
