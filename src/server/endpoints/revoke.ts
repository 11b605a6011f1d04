/**
 * Revocation. Zoho's form: POST /oauth/v2/token/revoke?token=... → {"status":"success"}, HTTP 400
 * for an unknown token. RFC 7009's form: POST /oauth/v2/revoke, client-authenticated, HTTP 200
 * with an empty body whether or not the token was known (RFC 7009 §2.2). Revoking a refresh
 * token revokes its access tokens (SPEC R6.3). Zoho's second form (SPEC R13.4):
 * POST /oauth/v2/revoke/token with HTTP Basic client authentication.
 */
import { invalidClient, invalidRequest } from '../../core/errors.ts';
import { hashSecret } from '../../core/ids.ts';
import { authenticateClient, usesBasicAuth } from '../client-auth.ts';
import { tokenBelongsHere } from '../checks/check-data-centre.ts';
import { param, readParams, requireParams } from '../params.ts';
import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import type { RouteModule } from '../routes.ts';

const TOKEN_TYPES = ['refresh_token', 'access_token'];

/**
 * Revokes a token (of `clientId` when given), unless it belongs to another data centre, where
 * it is unknown (SPEC R13.1): revoking it there must not end it at home.
 */
async function revokeHere(
  ctx: ServerContext,
  token: string,
  clientId?: string,
): Promise<'refresh' | 'access' | 'unknown'> {
  const hash = hashSecret(token);
  if (!(await tokenBelongsHere(ctx, hash))) return 'unknown';
  return ctx.store.revokeToken(hash, clientId);
}

/** A revocation that revoked something is an audit event (SPEC R15.3); the token is not in it. */
async function auditRevocation(
  ctx: ServerContext,
  request: FastifyRequest,
  outcome: 'refresh' | 'access' | 'unknown',
  clientId: string | null,
): Promise<void> {
  if (outcome === 'unknown') return;
  await ctx.audit.record(request, {
    type: 'token_revoked',
    clientId,
    actor: clientId === null ? 'token-holder' : `client:${clientId}`,
    detail: { token_type: outcome === 'refresh' ? 'refresh_token' : 'access_token' },
  });
}

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
        const outcome = await revokeHere(ctx, token);
        await auditRevocation(ctx, request, outcome, null);
        reply.header('cache-control', 'no-store');
        if (outcome === 'unknown')
          return reply.status(400).send({ status: 'failure', error: 'invalid_token' });
        return reply.send({ status: 'success' });
      },
    );

    /**
     * Zoho's page names the type `token_type` (required); SPEC R13.4 and RFC 7009 §2.1 name it
     * `token_type_hint`. Either is read, and both only as a hint: the token is looked up as
     * either type. An unknown token (or another client's) is HTTP 400, as in the first form.
     * @see https://www.zoho.com/developer/oauth/revoke-oauth-token.html
     */
    app.post(
      '/oauth/v2/revoke/token',
      { config: { errorKind: 'token' } },
      async (request, reply) => {
        const params = readParams(request);
        if (!usesBasicAuth(request))
          throw invalidClient('Send the client credentials with HTTP Basic authentication.');
        const client = await authenticateClient(ctx, request, params);
        request.wireProfile = ctx.profileFor(client.client);
        const [token = ''] = requireParams(params, ['token']);
        const hint = param(params, 'token_type_hint');
        const type = param(params, 'token_type');
        if (hint !== undefined && type !== undefined && hint !== type)
          throw invalidRequest('token_type and token_type_hint disagree.');
        const given = hint ?? type;
        if (given !== undefined && !TOKEN_TYPES.includes(given))
          throw invalidRequest('token_type_hint must be refresh_token or access_token.');
        const outcome = await revokeHere(ctx, token, client.client.clientId);
        await auditRevocation(ctx, request, outcome, client.client.clientId);
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
      const outcome = await revokeHere(ctx, token, client.client.clientId);
      await auditRevocation(ctx, request, outcome, client.client.clientId);
      return reply.header('cache-control', 'no-store').status(200).send('');
    });
  },
};
