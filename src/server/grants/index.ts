/**
 * The grant types of the token endpoint, by name. A grant declares its parameters and whether
 * it is enabled; the token endpoint checks the required ones, and the metadata's
 * `grant_types_supported` lists the enabled ones. Add new grant modules here.
 */
import type { ServerContext } from '../context.ts';
import { authorizationCodeGrant } from './authorization-code.ts';
import { clientCredentialsGrant } from './client-credentials.ts';
import { deviceCodeGrant } from './device-code.ts';
import { refreshTokenGrant } from './refresh-token.ts';
import type { Grant } from './types.ts';

/** Every grant module, in the order metadata lists them. */
export const GRANTS: readonly Grant[] = [
  authorizationCodeGrant,
  refreshTokenGrant,
  clientCredentialsGrant,
  deviceCodeGrant,
];

/** The grants this server has turned on. */
export function enabledGrants(ctx: ServerContext): Grant[] {
  return GRANTS.filter((grant) => grant.enabled?.(ctx) ?? true);
}

/** The enabled grant of a `grant_type`, if any. */
export function findGrant(ctx: ServerContext, grantType: string): Grant | undefined {
  return enabledGrants(ctx).find((grant) => grant.grantType === grantType);
}
