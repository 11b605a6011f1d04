/**
 * The access token's value: Zoho's opaque format (the default), or a JWT access token (RFC 9068,
 * SPEC R14.8) when `--access-token-format jwt` or the client's own setting says so. Either way
 * only its hash is stored, so introspection, revocation and Tollgate's own APIs treat both alike.
 */
import { randomUUID } from 'node:crypto';
import { generateToken } from '../core/ids.ts';
import { formatScopes } from '../core/scopes.ts';
import type { AccessTokenFormat, Client } from '../store/types.ts';
import type { ServerContext } from './context.ts';

/** What an access token is issued for. */
export interface AccessTokenGrant {
  client: Pick<Client, 'clientId' | 'accessTokenFormat'>;
  zuid: number;
  scopes: readonly string[];
  /** RFC 8707 resources; none: the client is the audience. */
  audience: readonly string[];
  /** RFC 9449 key binding. */
  dpopJkt?: string | null | undefined;
  /** When it is issued and expires, in Unix milliseconds (as stored). */
  now: number;
  expiresAt: number;
}

/** The client's format, else the server's. */
export function accessTokenFormat(
  ctx: ServerContext,
  client: Pick<Client, 'accessTokenFormat'>,
): AccessTokenFormat {
  return client.accessTokenFormat ?? ctx.config.accessTokenFormat;
}

/**
 * A new access token: random, or a JWT signed with the current key (header `typ: at+jwt`;
 * claims iss, sub, aud, client_id, scope, exp, iat, jti and cnf.jkt when bound).
 * @see RFC 9068 §2.2, RFC 9449 §6.1
 */
export async function newAccessToken(ctx: ServerContext, grant: AccessTokenGrant): Promise<string> {
  if (accessTokenFormat(ctx, grant.client) !== 'jwt') return generateToken();
  const { audience, client } = grant;
  return ctx.keys.sign(
    {
      iss: ctx.issuer,
      sub: String(grant.zuid),
      aud:
        audience.length === 0
          ? client.clientId
          : audience.length === 1
            ? (audience[0] as string)
            : [...audience],
      client_id: client.clientId,
      scope: formatScopes(grant.scopes),
      iat: Math.floor(grant.now / 1000),
      exp: Math.floor(grant.expiresAt / 1000),
      jti: randomUUID(),
      ...(grant.dpopJkt ? { cnf: { jkt: grant.dpopJkt } } : {}),
    },
    { typ: 'at+jwt' },
  );
}
