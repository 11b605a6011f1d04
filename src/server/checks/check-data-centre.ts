/**
 * Codes and tokens belong to their user's home data centre and work only there (SPEC R13.1):
 * elsewhere they are unknown, as at Zoho, where each data centre has its own database. The
 * check leaves the code or token untouched, so it still works at its own data centre.
 */
import { invalidGrant } from '../../core/errors.ts';
import type { ServerContext } from '../context.ts';

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
