/**
 * GET /oauth/v2/auth and the consent form's POST (SPEC R3, R5.1, R5.5; RFC 6749 §4.1.1).
 * The client and redirect URI are checked first: until both are known good, errors are an
 * HTML page, never a redirect (R3.2). After that, errors go back to the app (R3.3).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  accessDenied,
  invalidRequest,
  invalidRequestUri,
  OAuthError,
  unauthorizedClient,
  unsupportedResponseType,
} from '../../core/errors.ts';
import { mintCode } from '../../core/codes.ts';
import { hashSecret } from '../../core/ids.ts';
import { PAR_URI_PREFIX } from './par.ts';
import { isEnabledIn } from '../../core/data-centres.ts';
import { isPublicClient } from '../../core/registration.ts';
import { matchRedirectUri } from '../../core/redirect-uri.ts';
import { traitsOf, type WireProfile } from '../../core/profiles.ts';
import { coversAll } from '../../core/scopes.ts';
import type { Client, User } from '../../store/types.ts';
import type { ServerContext } from '../context.ts';
import { checkPkceChallenge } from '../checks/check-pkce.ts';
import { MULTI_VALUED, param, redirectUriParam, type Params } from '../params.ts';
import { allowedResources, checkResources } from '../../core/resources.ts';
import { appendParams } from '../render-error.ts';
import type { RouteModule } from '../routes.ts';
import { raisePendingFault } from '../emulator/emulator.ts';
import { currentSignIn } from '../session.ts';
import { readOpenIdRequest, signInSatisfies, type OpenIdRequest } from '../../core/oidc.ts';
import { consentPage } from '../ui/consent-page.ts';
import {
  isMetadataDocumentId,
  resolveMetadataDocumentClient,
} from '../client-metadata-document.ts';
import { loginPage } from '../ui/login-page.ts';
import { checkDpopJkt } from '../dpop.ts';

/** Where errors may be sent, once the client and redirect URI are validated. */
interface RedirectTarget {
  client: Client;
  redirectUri: string;
  /** Whether the request named it; if not, the code's token request must not (RFC 6749 §4.1.3). */
  redirectUriSent: boolean;
  state: string | undefined;
  profile: WireProfile;
}

interface AuthorizationRequest extends RedirectTarget {
  scopes: string[];
  offline: boolean;
  promptConsent: boolean;
  pkce: { challenge: string; method: 'S256' | 'plain' } | null;
  /** Resource indicators (RFC 8707): the audience of the tokens. */
  resources: string[];
  /** RFC 9449 §10: the DPoP key the code is bound to. */
  dpopJkt: string | null;
  /** OpenID Connect parameters (SPEC R13.3). */
  oidc: OpenIdRequest;
  /** When this request last sent the person to sign in again (prompt=login, max_age). */
  freshSince: number | undefined;
  /** The pushed request it came from (RFC 9126), used up when the code is issued. */
  pushedUriHash?: string | undefined;
}

/**
 * Added to the request's URL when `prompt=login` or `max_age` sends the person to sign in again:
 * a sign-in after this time satisfies the request on return, so `max_age=0` cannot loop. Only
 * the person's own sign-in time goes into `auth_time`, whatever this says.
 */
const FRESH_SIGN_IN_PARAM = 'tollgate_sign_in_after';

/** The login page, returning to this request; `fresh` marks a sign-in the request asked for. */
function signInPage(
  ctx: ServerContext,
  reply: FastifyReply,
  query: string,
  fresh: boolean,
): FastifyReply {
  let marked = query;
  if (fresh) {
    const params = new URLSearchParams(query);
    params.set(FRESH_SIGN_IN_PARAM, String(ctx.now()));
    marked = params.toString();
  }
  return reply
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(loginPage({ returnTo: `/oauth/v2/auth?${marked}`, csrfToken: reply.generateCsrf() }));
}

const notRedirectable = (description: string): OAuthError =>
  new OAuthError('invalid_request', description, { redirectable: false });

function paramsFromQueryString(query: string): Params {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(query)) {
    const seen = params.get(name);
    if (seen !== undefined && seen !== value && !MULTI_VALUED.has(name))
      throw notRedirectable(`Parameter ${name.slice(0, 50)} was sent more than once.`);
    params.set(name, value);
  }
  return params;
}

/** R3.2: the client exists and the redirect URI is registered, else an error page. */
async function checkClientAndRedirect(ctx: ServerContext, params: Params): Promise<RedirectTarget> {
  const clientId = param(params, 'client_id');
  if (clientId === undefined) throw notRedirectable('The client_id parameter is missing.');
  // SPEC R14.4: an https client_id names the client's metadata document.
  const client = isMetadataDocumentId(clientId, ctx.config)
    ? await resolveMetadataDocumentClient(ctx, clientId)
    : clientId.length <= 64
      ? await ctx.store.findClient(clientId)
      : undefined;
  if (!client)
    throw notRedirectable(
      'No app is registered with this client_id. Check the client ID, and the data centre the app was registered in.',
    );
  let requested: string | undefined;
  try {
    requested = redirectUriParam(params);
  } catch (e) {
    throw notRedirectable((e as OAuthError).description);
  }
  const profile = ctx.profileFor(client);
  // Zoho requires the parameter (SPEC R13.6). RFC 6749 §3.1.2.3 lets it be left out when
  // exactly one URI is registered; the token request must then leave it out too (§4.1.3).
  if (requested === undefined && traitsOf(profile).redirectUriRequired)
    throw notRedirectable('The redirect_uri parameter is missing.');
  const candidate =
    requested ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (candidate === undefined) throw notRedirectable('The redirect_uri parameter is missing.');
  const matched = matchRedirectUri(candidate, client.redirectUris, client.type);
  if (matched === undefined)
    throw notRedirectable('The redirect_uri is not registered for this app.');
  const state = param(params, 'state');
  return {
    client,
    redirectUri: candidate,
    redirectUriSent: requested !== undefined,
    state,
    profile,
  };
}

/** R3.1, R3.3: everything else, with errors for the app. */
function parseRequest(
  ctx: ServerContext,
  params: Params,
  target: RedirectTarget,
  query: string,
): AuthorizationRequest {
  if (target.client.type === 'self')
    throw unauthorizedClient('Self clients get codes from the developer console, not by redirect.');
  const responseType = param(params, 'response_type');
  if (responseType === undefined) throw invalidRequest('The response_type parameter is missing.');
  if (responseType !== 'code') throw unsupportedResponseType();
  if (target.state !== undefined && target.state.length > 2000)
    throw invalidRequest('state is longer than 2000 characters.');
  const scopes = ctx.scopes.parse(param(params, 'scope'));
  const accessType = (param(params, 'access_type') ?? 'online').toLowerCase();
  if (accessType !== 'online' && accessType !== 'offline')
    throw invalidRequest('access_type must be online or offline.');
  const prompts = (param(params, 'prompt') ?? '').toLowerCase().split(' ').filter(Boolean);
  if (prompts.some((p) => p !== 'consent' && p !== 'login'))
    throw invalidRequest('prompt must be consent or login when given.');
  const oidc = readOpenIdRequest(
    scopes,
    prompts,
    { nonce: param(params, 'nonce'), maxAge: param(params, 'max_age') },
    traitsOf(target.profile),
  );
  const freshSince = Number(param(params, FRESH_SIGN_IN_PARAM) ?? NaN);
  const pkce = checkPkceChallenge(
    param(params, 'code_challenge'),
    param(params, 'code_challenge_method'),
    target.profile,
    isPublicClient(target.client.type),
  );
  const resources = checkResources(
    new URLSearchParams(query).getAll('resource'),
    allowedResources(ctx.config.resources),
  );
  return {
    ...target,
    scopes,
    offline: accessType === 'offline',
    promptConsent: prompts.includes('consent'),
    pkce,
    oidc,
    freshSince: Number.isSafeInteger(freshSince) ? freshSince : undefined,
    resources,
    dpopJkt: checkDpopJkt(param(params, 'dpop_jkt')),
  };
}

/**
 * A person whose home data centre the client is not enabled in gets an error page, never a
 * code (SPEC R13.1; Zoho's "Multi DC" setting of the API console).
 */
export function checkEnabledForUser(ctx: ServerContext, client: Client, user: User): void {
  const home = ctx.homeOf(user);
  if (!isEnabledIn(client.dataCentres, home))
    throw new OAuthError(
      'unauthorized_client',
      `This app is not enabled for accounts of the ${home.toUpperCase()} data centre. Its developer can enable it under Multi DC in the developer console.`,
      { redirectable: false, status: 400 },
    );
}

/** Issues the code and sends the browser back to the app (R3.5). */
async function redirectWithCode(
  ctx: ServerContext,
  reply: FastifyReply,
  req: AuthorizationRequest,
  signIn: { user: User; signedInAt: number },
  withRefresh: boolean,
): Promise<FastifyReply> {
  const { user } = signIn;
  if (req.pushedUriHash !== undefined) {
    // RFC 9126 §4: a request_uri is used once. It stays readable while the person signs in and
    // answers the consent page, and is used up here, in one statement, by the first code.
    const taken = await ctx.store.takePushedRequest(req.pushedUriHash, ctx.now());
    if (taken.outcome !== 'taken')
      throw invalidRequestUri('The request_uri was already used or has expired.');
  }
  const { code } = await mintCode(ctx.store, {
    clientId: req.client.clientId,
    zuid: user.zuid,
    scopes: req.scopes,
    redirectUri: req.redirectUriSent ? req.redirectUri : null,
    offline: withRefresh,
    codeChallenge: req.pkce?.challenge ?? null,
    codeChallengeMethod: req.pkce?.method ?? null,
    state: req.state ?? null,
    resources: req.resources,
    dpopJkt: req.dpopJkt,
    nonce: req.oidc.nonce,
    authTime: signIn.signedInAt,
    lifetimeSeconds: ctx.config.codeTtl,
    now: ctx.now(),
    throttle: ctx.config.throttle
      ? { limit: ctx.config.codeLimit, windowMs: ctx.config.throttleWindow * 1000 }
      : null,
  });
  const params: Record<string, string> = { code };
  if (req.state !== undefined) params.state = req.state;
  // The person's home data centre, wherever the request started (SPEC R13.1).
  const home = ctx.homeOf(user);
  params.location = home;
  params['accounts-server'] = ctx.urlOf(home);
  // RFC 9207: the issuer identifies who answered, against mix-up attacks.
  if (traitsOf(req.profile).issInAuthorizationResponse) params.iss = ctx.issuer;
  return reply
    .header('cache-control', 'no-store')
    .redirect(appendParams(req.redirectUri, params), 302);
}

/**
 * Validates the request with R3's error routing: until the client and redirect URI are known
 * good, errors are a page; once they are, the request records where errors may be sent, and
 * the `authorize` renderer sends the redirectable ones back to the app.
 */
async function readAuthorizationRequest(
  ctx: ServerContext,
  request: FastifyRequest,
  query: string,
): Promise<AuthorizationRequest> {
  const outer = paramsFromQueryString(query);
  const requestUri = param(outer, 'request_uri');
  let effective = query;
  let pushedUriHash: string | undefined;
  if (requestUri !== undefined) {
    const pushed =
      requestUri.startsWith(PAR_URI_PREFIX) && requestUri.length < 200
        ? await ctx.store.findPushedRequest(hashSecret(requestUri), ctx.now())
        : undefined;
    if (!pushed || pushed.clientId !== param(outer, 'client_id')) {
      // R3.3 once the client and redirect URI of the outer request are known good; else a page.
      const target = await checkClientAndRedirect(ctx, outer);
      request.wireProfile = target.profile;
      request.redirectTarget = { redirectUri: target.redirectUri, state: target.state };
      throw invalidRequestUri('The request_uri is unknown, already used or expired.');
    }
    effective = new URLSearchParams(pushed.params).toString();
    pushedUriHash = pushed.uriHash;
  }
  const params = paramsFromQueryString(effective);
  const target = await checkClientAndRedirect(ctx, params);
  request.wireProfile = target.profile;
  request.redirectTarget = { redirectUri: target.redirectUri, state: target.state };
  raisePendingFault(request);
  if (ctx.config.requirePar && pushedUriHash === undefined)
    throw invalidRequest(
      'This server takes authorization requests only as pushed authorization requests (POST /oauth/v2/par).',
    );
  return { ...parseRequest(ctx, params, target, effective), pushedUriHash };
}

function queryOf(request: FastifyRequest): string {
  const at = request.url.indexOf('?');
  return at < 0 ? '' : request.url.slice(at + 1);
}

export const authorizeEndpoint: RouteModule = {
  metadata: (ctx) => {
    const traits = traitsOf(ctx.config.profile);
    return {
      authorization_endpoint: `${ctx.issuer}/oauth/v2/auth`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: traits.plainPkce ? ['S256', 'plain'] : ['S256'],
      authorization_response_iss_parameter_supported: traits.issInAuthorizationResponse,
      client_id_metadata_document_supported: true,
    };
  },

  async register(app) {
    const ctx = app.tollgate;

    app.get('/oauth/v2/auth', { config: { errorKind: 'authorize' } }, async (request, reply) => {
      const query = queryOf(request);
      const req = await readAuthorizationRequest(ctx, request, query);
      const signIn = await currentSignIn(ctx, request);
      if (!signIn) return signInPage(ctx, reply, query, false);
      if (!signInSatisfies(req.oidc, signIn.signedInAt, ctx.now(), req.freshSince))
        return signInPage(ctx, reply, query, true);
      const { user } = signIn;
      checkEnabledForUser(ctx, req.client, user);
      const consent = await ctx.store.findConsent(user.zuid, req.client.clientId);
      if (consent && coversAll(consent.scopes, req.scopes) && !req.promptConsent) {
        // Consent is remembered (R3.4); a refresh token comes only with a new consent (R5.1).
        return redirectWithCode(ctx, reply, req, signIn, false);
      }
      return reply
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(
          consentPage({
            client: req.client,
            user,
            scopes: req.scopes,
            offline: req.offline,
            catalogue: ctx.scopes,
            request: query,
            csrfToken: reply.generateCsrf(),
          }),
        );
    });

    app.post(
      '/oauth/v2/auth',
      { config: { errorKind: 'authorize' }, preHandler: app.csrfProtection },
      async (request, reply) => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const query = typeof body.request === 'string' ? body.request : '';
        const decision = body.decision;
        const req = await readAuthorizationRequest(ctx, request, query);
        const signIn = await currentSignIn(ctx, request);
        if (!signIn) return signInPage(ctx, reply, query, false);
        if (!signInSatisfies(req.oidc, signIn.signedInAt, ctx.now(), req.freshSince))
          return signInPage(ctx, reply, query, true);
        const { user } = signIn;
        checkEnabledForUser(ctx, req.client, user);
        if (decision === 'deny') {
          await ctx.audit.record(request, {
            type: 'consent',
            outcome: 'failure',
            zuid: user.zuid,
            clientId: req.client.clientId,
            detail: { decision: 'deny', scopes: req.scopes.join(' ') },
          });
          throw accessDenied('The user denied the request.');
        }
        if (decision !== 'accept')
          throw new OAuthError('invalid_request', 'No decision was made.', { redirectable: false });
        const { first } = await ctx.store.recordConsent(
          user.zuid,
          req.client.clientId,
          req.scopes,
          ctx.now(),
        );
        await ctx.audit.record(request, {
          type: 'consent',
          zuid: user.zuid,
          clientId: req.client.clientId,
          detail: { decision: 'accept', scopes: req.scopes.join(' ') },
        });
        return redirectWithCode(
          ctx,
          reply,
          req,
          signIn,
          req.offline && (first || req.promptConsent),
        );
      },
    );
  },
};
