/**
 * POST /oauth/v2/introspect (RFC 7662, SPEC R6.4), for authenticated confidential clients such as
 * resource servers. Answers `{"active": false}` for anything not live, without saying why.
 */
import { invalidClient } from '../../core/errors.ts';
import { hashSecret } from '../../core/ids.ts';
import { formatScopes } from '../../core/scopes.ts';
import { authenticateClient } from '../client-auth.ts';
import { tokenBelongsHere } from '../checks/check-data-centre.ts';
import { param, readParams, requireParams } from '../params.ts';
import type { RouteModule } from '../routes.ts';

/** RFC 7662 §2.2 `aud`: one resource as a string, several as a list, none left out. */
function audienceClaim(audience: readonly string[]): { aud?: string | string[] } {
  if (audience.length === 0) return {};
  return { aud: audience.length === 1 ? (audience[0] as string) : [...audience] };
}

export const introspectEndpoint: RouteModule = {
  owns: [{ prefix: '/oauth/v2/introspect', kind: 'token' }],

  metadata: (ctx) => ({
    introspection_endpoint: `${ctx.issuer}/oauth/v2/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  }),

  async register(app) {
    const ctx = app.tollgate;
    app.post('/oauth/v2/introspect', { config: { errorKind: 'token' } }, async (request, reply) => {
      const params = readParams(request);
      const hint = param(params, 'token_type_hint');
      // The access token is read while the client is authenticated: two round trips to the
      // store at once instead of one after the other (SPEC R16). Its answer is used only once
      // the client has proved itself; a failed authentication just drops it.
      const presented = param(params, 'token');
      const presentedHash = presented === undefined ? undefined : hashSecret(presented);
      const early =
        presentedHash !== undefined && hint !== 'refresh_token' && !ctx.isMultiDc
          ? ctx.findAccessToken(presentedHash)
          : undefined;
      early?.catch(() => undefined);
      const caller = await authenticateClient(ctx, request, params);
      request.wireProfile = ctx.profileFor(caller.client);
      if (caller.method === 'none') {
        throw invalidClient('Introspection needs client authentication.');
      }
      const [token = ''] = requireParams(params, ['token']);
      const hash = token === presented && presentedHash ? presentedHash : hashSecret(token);
      const now = ctx.now();
      reply.header('cache-control', 'no-store');
      // A token of another data centre is unknown here, as at Zoho (SPEC R13.1).
      if (!(await tokenBelongsHere(ctx, hash))) return reply.send({ active: false });

      const lookups =
        hint === 'refresh_token'
          ? (['refresh', 'access'] as const)
          : (['access', 'refresh'] as const);
      for (const kind of lookups) {
        if (kind === 'access') {
          const at = await (early && hash === presentedHash ? early : ctx.findAccessToken(hash));
          if (at && at.expiresAt > now) {
            return reply.send({
              active: true,
              scope: formatScopes(at.scopes),
              client_id: at.clientId,
              // RFC 9449 §6.2: a bound token is of type DPoP and names its key.
              token_type: at.dpopJkt !== null ? 'DPoP' : 'Bearer',
              exp: Math.floor(at.expiresAt / 1000),
              sub: String(at.zuid),
              iss: ctx.issuer,
              ...audienceClaim(at.audience),
              ...(at.dpopJkt !== null ? { cnf: { jkt: at.dpopJkt } } : {}),
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
              ...audienceClaim(rt.resources),
              ...(rt.dpopJkt !== null ? { cnf: { jkt: rt.dpopJkt } } : {}),
            });
          }
        }
      }
      return reply.send({ active: false });
    });
  },
};
