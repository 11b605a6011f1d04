/**
 * POST /oauth/v2/par: pushed authorization requests (RFC 9126, SPEC R14.6). The client sends
 * the authorization parameters straight to Tollgate, authenticated, and gets a `request_uri`
 * that lives `--par-lifetime` seconds (60) and is used up by the first code issued from it.
 */
import { randomBytes } from 'node:crypto';
import { invalidDpopProof, invalidRequest } from '../../core/errors.ts';
import { hashSecret } from '../../core/ids.ts';
import { matchRedirectUri } from '../../core/redirect-uri.ts';
import { allowedResources, checkResources } from '../../core/resources.ts';
import { authenticateClient } from '../client-auth.ts';
import { param, paramValues, readParams, redirectUriParam } from '../params.ts';
import { checkDpopJkt, tokenRequestProof } from '../dpop.ts';
import type { RouteModule } from '../routes.ts';

/** RFC 9126 §2.2: the URN prefix of a pushed request's reference. */
export const PAR_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** Client authentication parameters: never stored with the pushed request. */
const CREDENTIALS = new Set(['client_secret', 'client_assertion', 'client_assertion_type']);

export const parEndpoint: RouteModule = {
  owns: [{ prefix: '/oauth/v2/par', kind: 'token' }],

  metadata: (ctx) => ({
    pushed_authorization_request_endpoint: `${ctx.issuer}/oauth/v2/par`,
    require_pushed_authorization_requests: ctx.config.requirePar,
  }),

  async register(app) {
    const ctx = app.tollgate;
    app.post('/oauth/v2/par', { config: { errorKind: 'token' } }, async (request, reply) => {
      const params = readParams(request);
      const caller = await authenticateClient(ctx, request, params);
      request.wireProfile = ctx.profileFor(caller.client);
      if (param(params, 'request_uri') !== undefined)
        throw invalidRequest('request_uri cannot be pushed (RFC 9126 §2.1).');
      // Checked now so the client hears of a bad request here, not in the person's browser.
      if (param(params, 'response_type') !== 'code')
        throw invalidRequest('response_type must be code.');
      const redirectUri = redirectUriParam(params);
      if (
        redirectUri !== undefined &&
        matchRedirectUri(redirectUri, caller.client.redirectUris, caller.client.type) === undefined
      )
        throw invalidRequest('The redirect_uri is not registered for this app.');
      ctx.scopes.parse(param(params, 'scope'));
      const resources = checkResources(
        paramValues(request, 'resource'),
        allowedResources(ctx.config.resources),
      );

      const pairs: [string, string][] = [];
      for (const [name, value] of params) {
        if (CREDENTIALS.has(name) || name === 'resource') continue;
        pairs.push([name, value]);
      }
      for (const resource of resources) pairs.push(['resource', resource]);
      // RFC 9449 §10.1: a DPoP proof here binds the code like dpop_jkt; both must then agree.
      const pushedJkt = checkDpopJkt(param(params, 'dpop_jkt'));
      const proofJkt = await tokenRequestProof(ctx, request, '/oauth/v2/par');
      if (proofJkt !== undefined) {
        if (pushedJkt !== null && pushedJkt !== proofJkt)
          throw invalidDpopProof("dpop_jkt is not the thumbprint of the DPoP proof's key.");
        if (pushedJkt === null) pairs.push(['dpop_jkt', proofJkt]);
      }
      if (!params.has('client_id')) pairs.push(['client_id', caller.client.clientId]);

      const requestUri = `${PAR_URI_PREFIX}${randomBytes(32).toString('base64url')}`;
      const now = ctx.now();
      await ctx.store.savePushedRequest({
        uriHash: hashSecret(requestUri),
        clientId: caller.client.clientId,
        params: pairs,
        expiresAt: now + ctx.config.parLifetime * 1000,
        createdAt: now,
      });
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ request_uri: requestUri, expires_in: ctx.config.parLifetime });
    });
  },
};
