/**
 * grant_type=authorization_code (SPEC R4.2-R4.4, R5.1-R5.3; RFC 6749 §4.1.3).
 */
import { randomUUID } from 'node:crypto';
import {
  invalidGrant,
  invalidRedirectUri,
  invalidRequest,
  OAuthError,
  throttled,
} from '../../core/errors.ts';
import { refreshTokenOverflow } from '../../core/limits.ts';
import type { ScopeCatalogue } from '../../core/scopes.ts';
import type { AuthorizationCode, ClientType } from '../../store/types.ts';
import { generateToken, hashSecret } from '../../core/ids.ts';
import { isPublicClient } from '../../core/registration.ts';
import { param, paramValues, redirectUriParam, type Params } from '../params.ts';
import { allowedResources, checkResources, narrowResources } from '../../core/resources.ts';
import { checkPkceVerifier } from '../checks/check-pkce.ts';
import { checkGrantDataCentre } from '../checks/check-data-centre.ts';
import { accessTokenFormat, newAccessToken } from '../access-token.ts';
import type { AuthenticatedClient } from '../client-auth.ts';
import type { ServerContext } from '../context.ts';
import { checked, issuedFromCode, type Grant } from './types.ts';

export const authorizationCodeGrant: Grant = {
  grantType: 'authorization_code',
  parameters: {
    required: ['code'],
    optional: ['redirect_uri', 'redirect_url', 'code_verifier', 'scope', 'state', 'resource'],
  },
  async handle({ ctx, request, params, client, profile, dpopJkt }) {
    const code = checked(params, 'code');
    // Parameter consistency first: a malformed request does not burn the code.
    const redirectUri = redirectUriParam(params);
    const requested = checkResources(
      paramValues(request, 'resource'),
      allowedResources(ctx.config.resources),
    );
    const now = ctx.now();
    const expiresAt = now + ctx.config.accessTokenTtl * 1000;
    const codeHash = hashSecret(code);
    const jwt = accessTokenFormat(ctx, client.client) === 'jwt';
    const known = ctx.isMultiDc || jwt ? await ctx.store.findCode(codeHash) : undefined;
    if (ctx.isMultiDc) await checkGrantDataCentre(ctx, known?.zuid, 'code');
    const accessToken = await accessTokenFor(ctx, client.client, known, requested, dpopJkt, now);
    const refreshToken = generateToken();
    const result = await ctx.store.redeemCode<OAuthError>({
      codeHash,
      now,
      decide: (grant) => {
        const refusal = checkCode(
          grant,
          params,
          redirectUri,
          client.client.clientId,
          client.client.type,
          now,
          ctx.scopes,
        );
        if (refusal) return { refuse: refusal };
        // RFC 9449 §10: a code requested with dpop_jkt is exchanged only with a proof by that key.
        if (grant.dpopJkt != null && grant.dpopJkt !== dpopJkt)
          return {
            refuse: invalidGrant(
              dpopJkt === undefined
                ? 'This code is bound to a DPoP key (dpop_jkt): send a DPoP proof by it.'
                : 'The DPoP proof is signed by another key than the code is bound to (dpop_jkt).',
            ),
          };
        // RFC 8707 §2.2: the token request may narrow the authorized resources, never widen them.
        const granted = grant.resources ?? [];
        let audience: string[];
        try {
          audience = narrowResources(requested, granted);
        } catch (error) {
          return { refuse: error as OAuthError };
        }
        return {
          issue: {
            access: {
              tokenHash: hashSecret(accessToken),
              expiresAt,
              audience,
              dpopJkt: dpopJkt ?? null,
            },
            refresh: grant.offline
              ? {
                  tokenHash: hashSecret(refreshToken),
                  familyId: randomUUID(),
                  resources: granted.length > 0 ? granted : audience,
                  // RFC 9449 §5: public clients' refresh tokens are bound to the key too;
                  // confidential clients' are bound by client authentication.
                  dpopJkt: isPublicClient(client.client.type) ? (dpopJkt ?? null) : null,
                }
              : null,
            refreshTokenCap: ctx.config.refreshTokenCap,
            refreshTokenOverflow: refreshTokenOverflow(ctx.config.limits),
          },
        };
      },
    });
    switch (result.outcome) {
      case 'unknown':
        throw invalidGrant('The code is unknown.');
      case 'replayed':
        // RFC 6749 §4.1.2: a code used twice revokes what it issued (SPEC R4.4). The first
        // exchange has committed by now (redeemCode holds the grant lock until it does).
        await ctx.store.revokeTokensFromCode(codeHash);
        throw invalidGrant('The code was already used; the tokens issued from it are revoked.');
      case 'refused':
        throw result.reason;
      case 'refresh-cap-reached':
        // Zoho Projects refuses a 21st refresh token with its throttled answer (SPEC R12.4).
        throw throttled(ctx.config.throttleWindow);
      case 'grant-revoked':
        // The client was deleted or the user disabled while this request ran (SPEC R2).
        throw invalidGrant('The client was deleted or the user disabled while issuing tokens.');
      case 'issued':
        return issuedFromCode(ctx, profile, result.code, { accessToken, refreshToken, dpopJkt });
    }
  },
};

/**
 * The access token to issue: random, or for the JWT format (SPEC R14.8) signed before the code is
 * redeemed, from the code as read (its client, person, scopes and resources never change).
 */
async function accessTokenFor(
  ctx: ServerContext,
  client: AuthenticatedClient['client'],
  known: AuthorizationCode | undefined,
  requested: string[],
  dpopJkt: string | undefined,
  now: number,
): Promise<string> {
  if (!known || known.clientId !== client.clientId) return generateToken();
  let audience: string[];
  try {
    audience = narrowResources(requested, known.resources ?? []);
  } catch {
    return generateToken(); // refused inside redeemCode, with its own error
  }
  return newAccessToken(ctx, {
    client,
    zuid: known.zuid,
    scopes: known.scopes,
    audience,
    dpopJkt,
    now,
    expiresAt: now + ctx.config.accessTokenTtl * 1000,
  });
}

/** The token request's checks against the code (RFC 6749 §4.1.3, RFC 7636 §4.6), or the refusal. */
function checkCode(
  grant: AuthorizationCode,
  params: Params,
  redirectUri: string | undefined,
  clientId: string,
  clientType: ClientType,
  now: number,
  scopes: ScopeCatalogue,
): OAuthError | undefined {
  try {
    if (grant.clientId !== clientId) throw invalidGrant('The code was issued to another client.');
    if (grant.expiresAt <= now) throw invalidGrant('The code has expired.');
    if (grant.redirectUri !== null && redirectUri !== grant.redirectUri) {
      throw invalidRedirectUri('redirect_uri does not match the one of the authorization request.');
    }
    // RFC 6749 §4.1.3: the token request carries redirect_uri only if the authorization
    // request did (SPEC R13.6). Self clients' console codes keep Zoho's leniency.
    if (grant.redirectUri === null && redirectUri !== undefined && clientType !== 'self') {
      throw invalidRedirectUri('The authorization request had no redirect_uri; leave it out here.');
    }
    checkPkceVerifier(grant, param(params, 'code_verifier'));
    // The seed lists scope and state as token parameters: when sent, they must be the original ones.
    const scope = param(params, 'scope');
    if (scope !== undefined) {
      const asked = scopes.parse(scope);
      if (asked.length !== grant.scopes.length || !asked.every((s) => grant.scopes.includes(s))) {
        throw invalidRequest('scope differs from the authorization request.');
      }
    }
    const state = param(params, 'state');
    if (state !== undefined && state !== grant.state) {
      throw invalidRequest('state differs from the authorization request.');
    }
    return undefined;
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
}
