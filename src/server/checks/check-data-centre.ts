/**
 * Codes and tokens belong to their user's home data centre and work only there (SPEC R13.1):
 * elsewhere they are unknown, as at Zoho, where each data centre has its own database. The
 * check leaves the code or token untouched, so it still works at its own data centre.
 */
import { invalidGrant, unauthorizedClient } from '../../core/errors.ts';
import type { ServerContext } from '../context.ts';

/**
 * The home data centre of a user when it is another one than this app's, else undefined (also
 * when the process serves one data centre, or the user is gone).
 */
async function otherHome(ctx: ServerContext, zuid: number): Promise<string | undefined> {
  if (!ctx.isMultiDc) return undefined;
  const user = await ctx.store.findUser(zuid);
  if (user === undefined) return undefined;
  const home = ctx.homeOf(user);
  return home === ctx.dataCentre ? undefined : home;
}

/**
 * Whether a token (by hash, access or refresh) may be seen here: it is unknown, or its user's
 * home is this data centre. Introspection and revocation treat any other token as unknown.
 */
export async function tokenBelongsHere(ctx: ServerContext, tokenHash: string): Promise<boolean> {
  if (!ctx.isMultiDc) return true;
  const token =
    (await ctx.store.findAccessToken(tokenHash)) ?? (await ctx.store.findRefreshToken(tokenHash));
  return token === undefined || (await otherHome(ctx, token.zuid)) === undefined;
}

/**
 * Refuses client credentials at a data centre that is not the self client's owner's home: the
 * token would be unknown everywhere but there.
 * @throws OAuthError unauthorized_client.
 */
export async function checkOwnerDataCentre(ctx: ServerContext, ownerZuid: number): Promise<void> {
  const home = await otherHome(ctx, ownerZuid);
  if (home !== undefined)
    throw unauthorizedClient(
      `This self client's owner belongs to the ${home} data centre; ask its accounts server.`,
    );
}

/**
 * Refuses a grant whose user's home is another data centre. Free when the process serves one.
 * @throws OAuthError invalid_grant (Zoho: invalid_code).
 */
export async function checkGrantDataCentre(
  ctx: ServerContext,
  zuid: number | undefined,
  what: 'code' | 'refresh token',
): Promise<void> {
  if (!ctx.isMultiDc || zuid === undefined) return;
  const user = await ctx.store.findUser(zuid);
  if (user === undefined) return;
  const home = ctx.homeOf(user);
  if (home !== ctx.dataCentre)
    throw invalidGrant(
      `The ${what} is unknown in this data centre (${ctx.dataCentre}); use the accounts server of ${home}.`,
    );
}
