/**
 * The ID token of a grant that asked for `openid` (SPEC R13.3; OIDC Core §2, §3.1.3.3), signed
 * with the server's current key. Used by every grant that issues tokens for a person.
 */
import { idTokenClaims, OPENID_SCOPE } from '../core/oidc.ts';
import type { ServerContext } from './context.ts';

/** What an ID token is made from: who, for which client, with which scopes, nonce and sign-in. */
export interface IdTokenGrant {
  clientId: string;
  zuid: number;
  scopes: readonly string[];
  nonce?: string | null;
  authTime?: number | null;
}

/** The signed ID token, or undefined when `openid` was not granted (or the person is gone). */
export async function idTokenFor(
  ctx: ServerContext,
  grant: IdTokenGrant,
): Promise<string | undefined> {
  if (!grant.scopes.includes(OPENID_SCOPE)) return undefined;
  const user = await ctx.store.findUser(grant.zuid);
  if (!user) return undefined;
  return ctx.keys.sign(
    idTokenClaims({
      issuer: ctx.issuer,
      clientId: grant.clientId,
      user,
      scopes: grant.scopes,
      nonce: grant.nonce ?? null,
      authTime: grant.authTime ?? null,
      now: ctx.now(),
      lifetimeSeconds: ctx.config.accessTokenTtl,
    }),
  );
}
