/**
 * Authorization codes (SPEC R4.2-R4.4; RFC 6749 §4.1.2): saved hashed, consumed once in one
 * conditional statement, and on a replay every token issued from the code is revoked.
 */
import type {
  AuthorizationCode,
  CodeStore,
  ConsumeCodeResult,
  RedeemCodeInput,
  RedeemCodeResult,
} from '../types.ts';
import type { Db, SectionContext } from './context.ts';
import { lockGrant } from './locks.ts';
import { joinList, toCode } from './rows.ts';
import { grantOf, redeemIn } from './grant-writes.ts';

/** Writes a code (the pool's or a transaction's: a device approval writes one in its own). */
export async function insertCode(db: Db, code: AuthorizationCode): Promise<void> {
  await db
    .insertInto('auth_codes')
    .values({
      code_hash: code.codeHash,
      client_id: code.clientId,
      zuid: code.zuid,
      scopes: joinList(code.scopes),
      redirect_uri: code.redirectUri,
      offline: code.offline ? 1 : 0,
      code_challenge: code.codeChallenge,
      code_challenge_method: code.codeChallengeMethod,
      state: code.state,
      description: code.description,
      expires_at: code.expiresAt,
      created_at: code.createdAt,
      consumed_at: null,
      resources: code.resources?.length ? joinList(code.resources) : null,
      dpop_jkt: code.dpopJkt ?? null,
      nonce: code.nonce ?? null,
      auth_time: code.authTime ?? null,
    })
    .execute();
}

/** The codes section of the Kysely store. */
export function createCodeStore({
  db,
  sqlDialect,
  hot: hotReads,
  hotSql,
  writes,
}: SectionContext): CodeStore {
  return {
    async saveCode(code: AuthorizationCode): Promise<void> {
      await insertCode(db, code);
    },

    async findCode(codeHash: string): Promise<AuthorizationCode | undefined> {
      // The code exchange reads the code before redeeming it (data centre, JWT access tokens):
      // a prepared read (SPEC R16), through Kysely only while a transaction holds SQLite's.
      const hot = hotReads?.code(codeHash);
      const row =
        hot !== undefined && hot !== 'busy'
          ? await hot
          : await db
              .selectFrom('auth_codes')
              .selectAll()
              .where('code_hash', '=', codeHash)
              .executeTakeFirst();
      return row && toCode(row);
    },

    async consumeCode(codeHash: string, now: number): Promise<ConsumeCodeResult> {
      const consumed = await db
        .updateTable('auth_codes')
        .set({ consumed_at: now })
        .where('code_hash', '=', codeHash)
        .where('consumed_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (consumed) return { outcome: 'consumed', code: toCode(consumed) };
      const existing = await db
        .selectFrom('auth_codes')
        .selectAll()
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      return existing ? { outcome: 'replayed', code: toCode(existing) } : { outcome: 'unknown' };
    },

    async redeemCode<R>(input: RedeemCodeInput<R>): Promise<RedeemCodeResult<R>> {
      const grant = writes.lanes === 1 ? undefined : await grantOf(hotSql.direct, input);
      return writes.run((q) => redeemIn(q, sqlDialect, input), grant);
    },

    async revokeTokensFromCode(codeHash: string): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const code = await trx
          .selectFrom('auth_codes')
          .select(['zuid', 'client_id'])
          .where('code_hash', '=', codeHash)
          .executeTakeFirst();
        if (code) await lockGrant(trx, sqlDialect, Number(code.zuid), code.client_id);
        const refresh = await trx
          .selectFrom('refresh_tokens')
          .select('id')
          .where('code_hash', '=', codeHash)
          .execute();
        const ids = refresh.map((r) => Number(r.id));
        let revoked = ids.length;
        if (ids.length > 0) {
          const a = await trx
            .deleteFrom('access_tokens')
            .where('refresh_token_id', 'in', ids)
            .executeTakeFirst();
          revoked += Number(a.numDeletedRows);
          await trx.deleteFrom('refresh_tokens').where('id', 'in', ids).execute();
        }
        const a = await trx
          .deleteFrom('access_tokens')
          .where('code_hash', '=', codeHash)
          .executeTakeFirst();
        // Forget the code too: an exchange of it still in flight then finds it gone (issueTokens).
        await trx.deleteFrom('auth_codes').where('code_hash', '=', codeHash).execute();
        return revoked + Number(a.numDeletedRows);
      });
    },
  };
}
