/**
 * Incremental authorization as Zoho documents it (SPEC R13.5): more scopes for an existing
 * refresh token, asked of the person only when the app needs them.
 * 1. POST /oauth/v2/token/scopeenhance (`grant_type=update_scopes_token`, client credentials,
 *    `refresh_token`) -> a short-lived scope enhancement token, sent as `access_token`.
 *    @see https://zoho.com/accounts/protocol/oauth/incremental-auth/initiation-request.html
 * 2. GET /oauth/v2/token/addextrascope (`response_type=update_scopes`, `client_id`,
 *    `redirect_uri`, `scope`, `enhance_token`, `logout`) -> sign-in, consent for the new scopes,
 *    then the refresh token carries them; the browser goes back to `redirect_uri`.
 *    @see https://zoho.com/accounts/protocol/oauth/incremental-auth/scope-enhance-request.html
 * Zoho's page cuts off its sample redirect; Tollgate sends `status=success`, or
 * `status=failure&error=access_denied` when the person declines (docs/incremental-authorization.md).
 * The enhancement token is a JWT signed with the server's keys (nothing to store), bound to the
 * client, the user and the refresh token, and lives 10 minutes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalidGrant, invalidRequest, OAuthError } from '../../core/errors.ts';
import { hashSecret } from '../../core/ids.ts';
import { expiryFields } from '../../core/profiles.ts';
import type { Client } from '../../store/types.ts';
import { authenticateClient } from '../client-auth.ts';
import type { ServerContext } from '../context.ts';
import { param, readParams, requireParams, type Params } from '../params.ts';
import { appendParams } from '../render-error.ts';
import type { RouteModule } from '../routes.ts';
import { endSession, signedInUser } from '../session.ts';
import { consentPage } from '../ui/consent-page.ts';
import { loginPage } from '../ui/login-page.ts';

const ENHANCE_TYP = 'tollgate-enhance+jwt';
const ENHANCE_TTL_SECONDS = 600;
const ADD_EXTRA_SCOPE = '/oauth/v2/token/addextrascope';

const pageError = (
  description: string,
  error: 'invalid_request' | 'invalid_grant' = 'invalid_request',
) => new OAuthError(error, description, { redirectable: false });

/** Step 1: the scope enhancement token. */
export const scopeEnhanceEndpoint: RouteModule = {
  async register(app) {
    const ctx = app.tollgate;
    app.post(
      '/oauth/v2/token/scopeenhance',
      { config: { errorKind: 'token' } },
      async (request, reply) => {
        const params = readParams(request);
        const [grantType = ''] = requireParams(params, ['grant_type']);
        if (grantType !== 'update_scopes_token')
          throw invalidRequest('grant_type must be update_scopes_token.');
        const client = await authenticateClient(ctx, request, params);
        request.wireProfile = ctx.profileFor(client.client);
        const [refreshToken = ''] = requireParams(params, ['refresh_token']);
        const found = await ctx.store.findRefreshToken(hashSecret(refreshToken));
        if (!found || found.clientId !== client.client.clientId || found.rotatedAt !== null)
          throw invalidGrant('The refresh token is unknown or revoked.');
        const token = await ctx.keys.sign(
          {
            iss: ctx.issuer,
            aud: client.client.clientId,
            sub: String(found.zuid),
            rt: found.id,
            exp: Math.floor(ctx.now() / 1000) + ENHANCE_TTL_SECONDS,
          },
          { typ: ENHANCE_TYP },
        );
        return reply.header('cache-control', 'no-store').send({
          access_token: token,
          token_type: 'Bearer',
          ...expiryFields(request.wireProfile, ENHANCE_TTL_SECONDS),
        });
      },
    );
  },
};

interface EnhanceRequest {
  client: Client;
  redirectUri: string;
  scopes: string[];
  zuid: number;
  refreshTokenId: number;
  logout: boolean;
}

/** Checks step 2's request; every refusal is a page (the app's redirect URI is not trusted yet). */
async function readEnhanceRequest(ctx: ServerContext, query: string): Promise<EnhanceRequest> {
  const params: Params = new Map(new URLSearchParams(query));
  if (param(params, 'response_type') !== 'update_scopes')
    throw pageError('response_type must be update_scopes.');
  const clientId = param(params, 'client_id');
  const client =
    clientId !== undefined && clientId.length <= 64
      ? await ctx.store.findClient(clientId)
      : undefined;
  if (!client) throw pageError('No app is registered with this client_id.');
  const redirectUri = param(params, 'redirect_uri');
  if (redirectUri === undefined || !client.redirectUris.includes(redirectUri))
    throw pageError('The redirect_uri is missing or not registered for this app.');
  const enhanceToken = param(params, 'enhance_token') ?? '';
  let claims: { sub?: unknown; rt?: unknown };
  try {
    claims = (
      await ctx.keys.verify(enhanceToken, {
        issuer: ctx.issuer,
        audience: client.clientId,
        typ: ENHANCE_TYP,
      })
    ).payload;
  } catch {
    throw pageError('The enhance_token is invalid or expired.', 'invalid_grant');
  }
  const scopes = ctx.scopes.parse(param(params, 'scope'));
  if (scopes.length === 0) throw pageError('scope names the scopes to add.');
  return {
    client,
    redirectUri,
    scopes,
    zuid: Number(claims.sub),
    refreshTokenId: Number(claims.rt),
    logout: param(params, 'logout') === 'true',
  };
}

/** The person must be the one the refresh token belongs to. */
async function personOf(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  req: EnhanceRequest,
  returnTo: string,
): Promise<{ user: Awaited<ReturnType<typeof signedInUser>> } | { page: FastifyReply }> {
  const user = await signedInUser(ctx, request);
  if (!user)
    return {
      page: reply
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(loginPage({ returnTo, csrfToken: reply.generateCsrf() })),
    };
  if (user.zuid !== req.zuid)
    throw pageError('You are signed in as another account than the one this app asks about.');
  return { user };
}

/** Step 2: consent for the extra scopes, then back to the app. */
export const addExtraScopeEndpoint: RouteModule = {
  async register(app) {
    const ctx = app.tollgate;

    app.get(ADD_EXTRA_SCOPE, { config: { errorKind: 'page' } }, async (request, reply) => {
      const at = request.url.indexOf('?');
      const query = at < 0 ? '' : request.url.slice(at + 1);
      const req = await readEnhanceRequest(ctx, query);
      const who = await personOf(ctx, request, reply, req, request.url);
      if ('page' in who) return who.page;
      if (!who.user) throw pageError('Sign in first.');
      return reply
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(
          consentPage({
            client: req.client,
            user: who.user,
            scopes: req.scopes,
            offline: true,
            catalogue: ctx.scopes,
            request: query,
            csrfToken: reply.generateCsrf(),
            action: ADD_EXTRA_SCOPE,
          }),
        );
    });

    app.post(
      ADD_EXTRA_SCOPE,
      { config: { errorKind: 'page' }, preHandler: app.csrfProtection },
      async (request, reply) => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const query = typeof body.request === 'string' ? body.request : '';
        const req = await readEnhanceRequest(ctx, query);
        const who = await personOf(ctx, request, reply, req, `${ADD_EXTRA_SCOPE}?${query}`);
        if ('page' in who) return who.page;
        let result: Record<string, string>;
        // The decision is a consent, audited like one at /oauth/v2/auth (SPEC R15.3).
        const audit = (decision: 'accept' | 'deny') =>
          ctx.audit.record(request, {
            type: 'consent',
            ...(decision === 'deny' ? { outcome: 'failure' as const } : {}),
            zuid: req.zuid,
            clientId: req.client.clientId,
            detail: { decision, scopes: req.scopes.join(' '), flow: 'incremental' },
          });
        if (body.decision === 'accept') {
          const added = await ctx.store.addRefreshTokenScopes(
            req.refreshTokenId,
            req.client.clientId,
            req.scopes,
          );
          if (!added) throw pageError('The refresh token was revoked meanwhile.', 'invalid_grant');
          await ctx.store.recordConsent(req.zuid, req.client.clientId, req.scopes, ctx.now());
          await audit('accept');
          result = { status: 'success' };
        } else if (body.decision === 'deny') {
          await audit('deny');
          result = { status: 'failure', error: 'access_denied' };
        } else {
          throw pageError('No decision was made.');
        }
        if (req.logout) await endSession(ctx, request, reply);
        return reply
          .header('cache-control', 'no-store')
          .redirect(appendParams(req.redirectUri, result), 302);
      },
    );
  },
};
