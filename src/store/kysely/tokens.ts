/**
 * Access and refresh tokens (SPEC R4-R5): issuing with the refresh-token cap, the refresh grant's
 * throttle, rotation and access-token cap, and revocation with its cascades. Every transaction
 * that writes or deletes tokens of a user and client takes `lockGrant` first (see locks.ts).
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
import { hitCounterIn } from './counters.ts';
import { lockGrant } from './locks.ts';
import { joinList, splitList, toRefreshToken } from './rows.ts';
import type { Database } from './schema.ts';

/** Deletes refresh tokens (a non-empty list of ids) with the access tokens minted from them. */
async function deleteRefreshTokens(trx: Transaction<Database>, ids: number[]): Promise<void> {
  await trx.deleteFrom('access_tokens').where('refresh_token_id', 'in', ids).execute();
  await trx.deleteFrom('refresh_tokens').where('id', 'in', ids).execute();
}

/** Deletes the oldest live refresh tokens of a user and client beyond the cap (SPEC R5.2). */
async function evictOldRefreshTokens(
  trx: Transaction<Database>,
  zuid: number,
  clientId: string,
  cap: number,
): Promise<number> {
  const live = await trx
    .selectFrom('refresh_tokens')
    .select('id')
    .where('zuid', '=', zuid)
    .where('client_id', '=', clientId)
    .where('rotated_at', 'is', null)
    .orderBy('id', 'desc')
    .execute();
  const doomed = live.slice(cap).map((r) => Number(r.id));
  if (doomed.length === 0) return 0;
  const families = await trx
    .selectFrom('refresh_tokens')
    .select('family_id')
    .where('id', 'in', doomed)
    .execute();
  const familyIds = families.map((f) => f.family_id);
  const familyRows = await trx
    .selectFrom('refresh_tokens')
    .select('id')
    .where('family_id', 'in', familyIds)
    .execute();
  const ids = familyRows.map((r) => Number(r.id));
  await deleteRefreshTokens(trx, ids);
  return doomed.length;
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

/**
 * Writes an access token and, optionally, its refresh token, evicting refresh tokens past the
 * cap; the caller holds the grant lock (issueTokens, redeemCode).
 */
export async function writeTokens(
  trx: Transaction<Database>,
  input: IssueTokensInput,
): Promise<{ refreshTokenId: number | null; evicted: number } | 'refresh-cap-reached'> {
  const { access, refresh, now } = input;
  let refreshTokenId: number | null = null;
  let evicted = 0;
  if (refresh && input.refreshTokenOverflow === 'refuse') {
    const held = await trx
      .selectFrom('refresh_tokens')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('zuid', '=', access.zuid)
      .where('client_id', '=', access.clientId)
      .where('rotated_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(held.n) >= input.refreshTokenCap) return 'refresh-cap-reached';
  }
  if (refresh) {
    const row = await trx
      .insertInto('refresh_tokens')
      .values({
        token_hash: refresh.tokenHash,
        client_id: access.clientId,
        zuid: access.zuid,
        scopes: joinList(access.scopes),
        family_id: refresh.familyId,
        code_hash: access.codeHash,
        created_at: now,
        last_used_at: null,
        rotated_at: null,
        resources: refresh.resources?.length ? joinList(refresh.resources) : null,
        dpop_jkt: refresh.dpopJkt ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    refreshTokenId = Number(row.id);
    evicted = await evictOldRefreshTokens(trx, access.zuid, access.clientId, input.refreshTokenCap);
  }
  await insertAccessToken(trx, { ...access, refreshTokenId }, now);
  return { refreshTokenId, evicted };
}

/** The tokens section of the Kysely store. */
export function createTokenStore({ db, sqlDialect, hot: hotReads }: SectionContext): TokenStore {
  return {
    async issueTokens(input: IssueTokensInput): Promise<IssueTokensResult> {
      const { access } = input;
      return db.transaction().execute(async (trx): Promise<IssueTokensResult> => {
        if (!(await lockGrant(trx, sqlDialect, access.zuid, access.clientId)))
          return { outcome: 'grant-revoked', reason: 'client-deleted-or-user-disabled' };
        if (access.codeHash !== null) {
          // A replay of the code may have revoked it between consumeCode and now (RFC 6749 §4.1.2).
          const code = await trx
            .selectFrom('auth_codes')
            .select('code_hash')
            .where('code_hash', '=', access.codeHash)
            .executeTakeFirst();
          if (!code) return { outcome: 'grant-revoked', reason: 'code-revoked' };
        }
        const written = await writeTokens(trx, input);
        if (written === 'refresh-cap-reached') return { outcome: written };
        return { outcome: 'issued', ...written };
      });
    },

    async mintAccessToken(input: MintAccessTokenInput): Promise<MintAccessTokenResult> {
      const { now } = input;
      return db.transaction().execute(async (trx): Promise<MintAccessTokenResult> => {
        const findToken = () =>
          trx
            .selectFrom('refresh_tokens')
            .selectAll()
            .where('token_hash', '=', input.refreshTokenHash)
            .where('client_id', '=', input.clientId)
            .executeTakeFirst();
        const unlocked = await findToken();
        if (!unlocked) return { outcome: 'unknown' };
        // On SQLite this transaction runs alone, and a refresh token only exists while its client
        // and user do (deleting either deletes it), so the first read is final. On PostgreSQL take
        // the grant lock, then read again: a concurrent request may have rotated or revoked it.
        let found: typeof unlocked | undefined = unlocked;
        if (sqlDialect === 'postgres') {
          if (!(await lockGrant(trx, sqlDialect, Number(unlocked.zuid), unlocked.client_id)))
            return { outcome: 'unknown' };
          found = await findToken();
          if (!found) return { outcome: 'unknown' };
        }
        const rt = toRefreshToken({ ...found, id: Number(found.id) });
        if (rt.rotatedAt !== null) {
          // A rotated token came back: someone holds a stolen copy. End the whole family.
          const family = await trx
            .selectFrom('refresh_tokens')
            .select('id')
            .where('family_id', '=', rt.familyId)
            .execute();
          const ids = family.map((r) => Number(r.id));
          await deleteRefreshTokens(trx, ids);
          return { outcome: 'reused-rotated' };
        }
        if (input.throttle) {
          const hit = await hitCounterIn(trx, `mint:${rt.id}`, input.throttle.windowMs, now);
          if (hit.count > input.throttle.limit)
            return { outcome: 'throttled', retryAfterMs: hit.resetAt - now };
        }
        let tokenId = rt.id;
        let rotatedOut = 0;
        if (input.rotateTo) {
          await trx
            .updateTable('refresh_tokens')
            .set({ rotated_at: now, last_used_at: now })
            .where('id', '=', rt.id)
            .execute();
          const ended = await trx
            .deleteFrom('access_tokens')
            .where('refresh_token_id', '=', rt.id)
            .executeTakeFirst();
          rotatedOut = Number(ended.numDeletedRows);
          const row = await trx
            .insertInto('refresh_tokens')
            .values({
              token_hash: input.rotateTo,
              client_id: rt.clientId,
              zuid: rt.zuid,
              scopes: joinList(rt.scopes),
              family_id: rt.familyId,
              code_hash: found.code_hash,
              created_at: now,
              last_used_at: now,
              rotated_at: null,
              resources: found.resources ?? null,
              dpop_jkt: found.dpop_jkt ?? null,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          tokenId = Number(row.id);
        } else {
          await trx
            .updateTable('refresh_tokens')
            .set({ last_used_at: now })
            .where('id', '=', rt.id)
            .execute();
        }
        await insertAccessToken(
          trx,
          {
            tokenHash: input.access.tokenHash,
            clientId: rt.clientId,
            zuid: rt.zuid,
            scopes: rt.scopes,
            expiresAt: input.access.expiresAt,
            refreshTokenId: tokenId,
            codeHash: null,
            audience: input.access.audience ?? [],
            dpopJkt: input.access.dpopJkt ?? null,
          },
          now,
        );
        // SPEC R5.3: keep only the newest `cap` live access tokens of this refresh token, in one
        // statement: delete from the (cap+1)-th newest live one down (none if there are fewer).
        const evicted = await trx
          .deleteFrom('access_tokens')
          .where('refresh_token_id', '=', tokenId)
          .where('id', '<=', (eb) =>
            eb
              .selectFrom('access_tokens')
              .select('id')
              .where('refresh_token_id', '=', tokenId)
              .where('expires_at', '>', now)
              .orderBy('id', 'desc')
              .limit(1)
              .offset(input.accessTokenCap),
          )
          .executeTakeFirst();
        return {
          outcome: 'minted',
          refreshToken: { ...rt, id: tokenId, lastUsedAt: now },
          evicted: Number(evicted.numDeletedRows),
          rotatedOut,
        };
      });
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
      return (
        row && {
          clientId: row.client_id,
          zuid: Number(row.zuid),
          scopes: splitList(row.scopes),
          expiresAt: Number(row.expires_at),
          refreshTokenId: row.refresh_token_id === null ? null : Number(row.refresh_token_id),
          audience: splitList(row.audience ?? ''),
          dpopJkt: row.dpop_jkt ?? null,
        }
      );
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
      const row = await db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row && toRefreshToken({ ...row, id: Number(row.id) });
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
