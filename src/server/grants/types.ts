/** The shape every grant module has: its name and a handler, dispatched from a map. */
import type { FastifyRequest } from 'fastify';
import { expiryFields, type WireProfile } from '../../core/profiles.ts';
import { formatScopes } from '../../core/scopes.ts';
import type { AuthorizationCode } from '../../store/types.ts';
import type { AuthenticatedClient } from '../client-auth.ts';
import type { ServerContext } from '../context.ts';
import { idTokenFor } from '../id-token.ts';
import type { Params } from '../params.ts';

export interface GrantRequest {
  ctx: ServerContext;
  request: FastifyRequest;
  params: Params;
  client: AuthenticatedClient;
  profile: WireProfile;
  /** The key thumbprint of the request's DPoP proof (RFC 9449 §5), when it sent one. */
  dpopJkt?: string | undefined;
}

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  api_domain: string;
  /** `DPoP` when the access token is bound to a key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  expires_in_sec?: number;
  scope: string;
  /** OpenID Connect: present when `openid` was granted (SPEC R13.3). */
  id_token?: string;
}

/** One grant type of the token endpoint. */
export interface Grant {
  /** The `grant_type` value. */
  readonly grantType: string;
  /**
   * Its parameters beside `grant_type` and client authentication: the token endpoint refuses a
   * request without a required one (invalid_request) before the handler runs.
   */
  readonly parameters: {
    readonly required: readonly string[];
    readonly optional: readonly string[];
  };
  /** Whether this server offers it (default: always). */
  enabled?(ctx: ServerContext): boolean;
  handle(input: GrantRequest): Promise<TokenResponse>;
}

/** A required parameter's value, already checked by the token endpoint. */
export function checked(params: Params, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '')
    throw new Error(`${name} was declared required but not checked`);
  return value;
}

/** The success body of SPEC R4.3, with the expiry fields of the profile (R0). */
export function tokenResponse(
  ctx: ServerContext,
  profile: WireProfile,
  tokens: {
    accessToken: string;
    refreshToken?: string | undefined;
    scopes: readonly string[];
    dpopJkt?: string | null | undefined;
  },
): TokenResponse {
  return {
    access_token: tokens.accessToken,
    ...(tokens.refreshToken !== undefined ? { refresh_token: tokens.refreshToken } : {}),
    api_domain: ctx.apiDomain,
    token_type: tokens.dpopJkt ? 'DPoP' : 'Bearer',
    ...expiryFields(profile, ctx.config.accessTokenTtl),
    scope: formatScopes(tokens.scopes),
  };
}

/**
 * The answer to a redeemed code (the code exchange and the device grant, whose approval wrote
 * one): records the grant's use, and adds the ID token when the code asked for OpenID Connect.
 */
export async function issuedFromCode(
  ctx: ServerContext,
  profile: WireProfile,
  code: AuthorizationCode,
  tokens: { accessToken: string; refreshToken: string; dpopJkt?: string | null | undefined },
): Promise<TokenResponse> {
  await ctx.recordUse(code.zuid, code.clientId);
  const idToken = await idTokenFor(ctx, code);
  return {
    ...tokenResponse(ctx, profile, {
      accessToken: tokens.accessToken,
      refreshToken: code.offline ? tokens.refreshToken : undefined,
      scopes: code.scopes,
      dpopJkt: tokens.dpopJkt,
    }),
    ...(idToken !== undefined ? { id_token: idToken } : {}),
  };
}
