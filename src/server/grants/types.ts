/** The shape every grant module has: its name and a handler, dispatched from a map. */
import type { FastifyRequest } from 'fastify';
import type { Profile } from '../../core/profiles.ts';
import { expiryFields } from '../../core/profiles.ts';
import { formatScopes } from '../../core/scopes.ts';
import type { AuthenticatedClient } from '../client-auth.ts';
import type { ServerContext } from '../context.ts';
import type { Params } from '../params.ts';

export interface GrantRequest {
  ctx: ServerContext;
  request: FastifyRequest;
  params: Params;
  client: AuthenticatedClient;
  profile: Profile;
}

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  api_domain: string;
  token_type: 'Bearer';
  expires_in: number;
  expires_in_sec?: number;
  scope: string;
}

export interface Grant {
  grantType: string;
  handle(input: GrantRequest): Promise<TokenResponse>;
}

/** The success body of SPEC R4.3, with the expiry fields of the profile (R0). */
export function tokenResponse(
  ctx: ServerContext,
  profile: Profile,
  tokens: { accessToken: string; refreshToken?: string | undefined; scopes: readonly string[] },
): TokenResponse {
  return {
    access_token: tokens.accessToken,
    ...(tokens.refreshToken !== undefined ? { refresh_token: tokens.refreshToken } : {}),
    api_domain: ctx.apiDomain,
    token_type: 'Bearer',
    ...expiryFields(profile, ctx.config.accessTokenTtl),
    scope: formatScopes(tokens.scopes),
  };
}
