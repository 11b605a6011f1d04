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
import { writeTokens } from './tokens.ts';

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
export function createCodeStore({ db, sqlDialect, hot: hotReads }: SectionContext): CodeStore {
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
      const { codeHash, now } = input;
      return db.transaction().execute(async (trx): Promise<RedeemCodeResult<R>> => {
        // Read without a lock to learn whose grant it is, then take the grant lock BEFORE the
        // code row's: client deletion and user disabling take the client or user row first and
        // the codes after, so this order cannot deadlock with them.
        const seen = await trx
          .selectFrom('auth_codes')
          .selectAll()
          .where('code_hash', '=', codeHash)
          .executeTakeFirst();
        if (!seen) return { outcome: 'unknown' };
        if (seen.consumed_at !== null) return { outcome: 'replayed', code: toCode(seen) };
        const live = await lockGrant(trx, sqlDialect, Number(seen.zuid), seen.client_id);
        const consumed = await trx
          .updateTable('auth_codes')
          .set({ consumed_at: now })
          .where('code_hash', '=', codeHash)
          .where('consumed_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        // Another exchange consumed it while this one waited for the lock; it has committed.
        if (!consumed) return { outcome: 'replayed', code: toCode(seen) };
        const code = toCode(consumed);
        const decision = input.decide(code);
        if ('refuse' in decision) return { outcome: 'refused', code, reason: decision.refuse };
        if (!live) return { outcome: 'grant-revoked', reason: 'client-deleted-or-user-disabled' };
        const written = await writeTokens(trx, {
          now,
          access: {
            tokenHash: decision.issue.access.tokenHash,
            expiresAt: decision.issue.access.expiresAt,
            clientId: code.clientId,
            zuid: code.zuid,
            scopes: code.scopes,
            codeHash,
            audience: decision.issue.access.audience ?? [],
            dpopJkt: decision.issue.access.dpopJkt ?? null,
          },
          refresh: decision.issue.refresh,
          refreshTokenCap: decision.issue.refreshTokenCap,
          ...(decision.issue.refreshTokenOverflow
            ? { refreshTokenOverflow: decision.issue.refreshTokenOverflow }
            : {}),
        });
        if (written === 'refresh-cap-reached') return { outcome: written, code };
        return { outcome: 'issued', code, ...written };
      });
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
