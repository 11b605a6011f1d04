/**
 * Access and refresh tokens (SPEC R4-R5): issuing with the refresh-token cap, the refresh grant's
 * throttle, rotation and access-token cap (those two in grant-writes.ts, without the query
 * builder, SPEC R16), and revocation with its cascades. Every transaction that writes or deletes
 * tokens of a user and client takes `lockGrant` first (see locks.ts).
 */
import type { Transaction } from 'kysely';
import type {
  AccessTokenInfo,
  IssueTokensInput,
  IssueTokensResult,
  MintAccessTokenInput,
  MintAccessTokenResult,
  NewAccessToken,
  RefreshToken,
  SaveAccessTokenResult,
  TokenStore,
} from '../types.ts';
import type { Db, SectionContext } from './context.ts';
import { findRefreshRow, grantName, grantOf, issueTokensIn, mintIn } from './grant-writes.ts';
import { lockGrant } from './locks.ts';
import { joinList, splitList, toAccessTokenInfo, toRefreshToken } from './rows.ts';
import type { Database } from './schema.ts';

/** Deletes refresh tokens (a non-empty list of ids) with the access tokens minted from them. */
async function deleteRefreshTokens(trx: Transaction<Database>, ids: number[]): Promise<void> {
  await trx.deleteFrom('access_tokens').where('refresh_token_id', 'in', ids).execute();
  await trx.deleteFrom('refresh_tokens').where('id', 'in', ids).execute();
}

async function insertAccessToken(db: Db, token: NewAccessToken, now: number): Promise<void> {
  await db
    .insertInto('access_tokens')
    .values({
      token_hash: token.tokenHash,
      client_id: token.clientId,
      zuid: token.zuid,
      scopes: joinList(token.scopes),
      expires_at: token.expiresAt,
      refresh_token_id: token.refreshTokenId,
      code_hash: token.codeHash,
      created_at: now,
      audience: token.audience?.length ? joinList(token.audience) : null,
      dpop_jkt: token.dpopJkt ?? null,
    })
    .execute();
}

/** The tokens section of the Kysely store. */
export function createTokenStore({
  db,
  sqlDialect,
  hot: hotReads,
  hotSql,
  writes,
}: SectionContext): TokenStore {
  return {
    issueTokens(input: IssueTokensInput): Promise<IssueTokensResult> {
      const grant = grantName(input.access.zuid, input.access.clientId);
      return writes.run((q) => issueTokensIn(q, sqlDialect, input), grant);
    },

    async mintAccessToken(input: MintAccessTokenInput): Promise<MintAccessTokenResult> {
      const grant =
        writes.lanes === 1
          ? undefined
          : input.zuid !== undefined
            ? grantName(input.zuid, input.clientId)
            : await grantOf(hotSql.direct, input);
      return writes.run((q) => mintIn(q, sqlDialect, input), grant);
    },

    async saveAccessToken(token: NewAccessToken, now: number): Promise<SaveAccessTokenResult> {
      return db.transaction().execute(async (trx): Promise<SaveAccessTokenResult> => {
        if (!(await lockGrant(trx, sqlDialect, token.zuid, token.clientId)))
          return { outcome: 'grant-revoked', reason: 'client-deleted-or-user-disabled' };
        await insertAccessToken(trx, token, now);
        return { outcome: 'saved' };
      });
    },

    async findAccessToken(tokenHash: string): Promise<AccessTokenInfo | undefined> {
      const hot = hotReads?.accessToken(tokenHash);
      const row =
        hot !== undefined && hot !== 'busy'
          ? await hot
          : await db
              .selectFrom('access_tokens')
              .select([
                'client_id',
                'zuid',
                'scopes',
                'expires_at',
                'refresh_token_id',
                'audience',
                'dpop_jkt',
              ])
              .where('token_hash', '=', tokenHash)
              .executeTakeFirst();
      return row && toAccessTokenInfo(row);
    },

    async addRefreshTokenScopes(
      refreshTokenId: number,
      clientId: string,
      scopes: readonly string[],
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('refresh_tokens')
          .select(['scopes'])
          .where('id', '=', refreshTokenId)
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        if (!row) return false;
        const merged = [...new Set([...splitList(row.scopes), ...scopes])];
        await trx
          .updateTable('refresh_tokens')
          .set({ scopes: joinList(merged) })
          .where('id', '=', refreshTokenId)
          .execute();
        return true;
      });
    },

    async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
      // PostgreSQL batches this read with the same turn's others (hot-reads.ts); SQLite reads
      // it at once, or after an open transaction.
      const hot = hotReads?.refreshToken(tokenHash);
      if (hot === undefined || hot === 'busy') return findRefreshRow(hotSql.direct, tokenHash);
      const row = await hot;
      return row && toRefreshToken(row);
    },

    async revokeToken(
      tokenHash: string,
      clientId?: string,
    ): Promise<'refresh' | 'access' | 'unknown'> {
      return db.transaction().execute(async (trx) => {
        let rq = trx
          .selectFrom('refresh_tokens')
          .select(['zuid', 'client_id', 'family_id'])
          .where('token_hash', '=', tokenHash);
        if (clientId !== undefined) rq = rq.where('client_id', '=', clientId);
        const rt = await rq.executeTakeFirst();
        if (rt) {
          // The family is read under the lock, so a rotation racing with this revocation is included.
          await lockGrant(trx, sqlDialect, Number(rt.zuid), rt.client_id);
          const family = await trx
            .selectFrom('refresh_tokens')
            .select('id')
            .where('family_id', '=', rt.family_id)
            .execute();
          const ids = family.map((r) => Number(r.id));
          // Empty when a concurrent request revoked the family while this one waited for the lock.
          if (ids.length > 0) {
            await deleteRefreshTokens(trx, ids);
            return 'refresh';
          }
        }
        let aq = trx.deleteFrom('access_tokens').where('token_hash', '=', tokenHash);
        if (clientId !== undefined) aq = aq.where('client_id', '=', clientId);
        const res = await aq.executeTakeFirst();
        return Number(res.numDeletedRows) > 0 ? 'access' : 'unknown';
      });
    },

    async countLiveRefreshTokens(zuid: number, clientId: string): Promise<number> {
      const row = await db
        .selectFrom('refresh_tokens')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('zuid', '=', zuid)
        .where('client_id', '=', clientId)
        .where('rotated_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async countLiveAccessTokens(refreshTokenId: number, now: number): Promise<number> {
      const row = await db
        .selectFrom('access_tokens')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('refresh_token_id', '=', refreshTokenId)
        .where('expires_at', '>', now)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
