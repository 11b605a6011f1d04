/**
 * Users (SPEC R1): accounts, their ZUIDs, and disabling, which ends everything they hold.
 */
import { randomInt } from 'node:crypto';
import type { AccessTokenWithUser, CreateUserResult, NewUser, User, UserStore } from '../types.ts';
import type { SectionContext } from './context.ts';
import { toAccessTokenWithUser, toUser } from './rows.ts';
import type { UsersTable } from './schema.ts';

/** A new ZUID collides with an existing one about once in 4 billion; 6 draws are plenty. */
const ZUID_ATTEMPTS = 6;

/**
 * A ZUID in the shape of Zoho's: a positive integer of 9-10 digits, from a CSPRNG so that user
 * ids reveal nothing about how many users there are or when they joined (SPEC R1). Storage
 * assigns it, like an autoincrement, and draws again on a collision.
 */
function generateZuid(): number {
  return randomInt(100_000_000, 2 ** 32);
}

/** The users section of the Kysely store. */
export function createUserStore({ db, hot: hotReads }: SectionContext): UserStore {
  return {
    async createUser(user: NewUser, now: number): Promise<CreateUserResult> {
      for (let attempt = 1; attempt <= ZUID_ATTEMPTS; attempt++) {
        const row: UsersTable = {
          zuid: generateZuid(),
          email: user.email.toLowerCase(),
          password_hash: user.passwordHash,
          first_name: user.firstName,
          last_name: user.lastName,
          display_name: user.displayName,
          disabled: 0,
          created_at: now,
          dc: user.dc ?? null,
        };
        const inserted = await db
          .insertInto('users')
          .values(row)
          .onConflict((oc) => oc.doNothing())
          .returningAll()
          .executeTakeFirst();
        if (inserted) return { outcome: 'created', user: toUser(inserted) };
        const taken = await db
          .selectFrom('users')
          .select('zuid')
          .where('email', '=', row.email)
          .executeTakeFirst();
        if (taken) return { outcome: 'email-taken' };
      }
      throw new Error(`No free ZUID found in ${ZUID_ATTEMPTS} attempts.`);
    },

    async findUserByEmail(email: string): Promise<(User & { passwordHash: string }) | undefined> {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', email.toLowerCase())
        .executeTakeFirst();
      return row && { ...toUser(row), passwordHash: row.password_hash };
    },

    async findUser(zuid: number): Promise<User | undefined> {
      const hot = hotReads?.user(zuid);
      const row =
        hot !== undefined && hot !== 'busy'
          ? await hot
          : await db.selectFrom('users').selectAll().where('zuid', '=', zuid).executeTakeFirst();
      return row && toUser(row);
    },

    async findAccessTokenWithUser(tokenHash: string): Promise<AccessTokenWithUser | undefined> {
      const hot = hotReads?.accessTokenWithUser(tokenHash);
      const row =
        hot !== undefined && hot !== 'busy'
          ? await hot
          : await db
              .selectFrom('access_tokens as t')
              .leftJoin('users as u', 'u.zuid', 't.zuid')
              .select([
                't.client_id',
                't.zuid',
                't.scopes',
                't.expires_at',
                't.refresh_token_id',
                't.audience',
                't.dpop_jkt',
                'u.zuid as user_zuid',
                'u.email as user_email',
                'u.first_name as user_first_name',
                'u.last_name as user_last_name',
                'u.display_name as user_display_name',
                'u.disabled as user_disabled',
                'u.created_at as user_created_at',
                'u.dc as user_dc',
              ])
              .where('t.token_hash', '=', tokenHash)
              .executeTakeFirst();
      return row && toAccessTokenWithUser(row);
    },

    async listUsers(): Promise<User[]> {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .orderBy('created_at')
        .orderBy('zuid')
        .execute();
      return rows.map(toUser);
    },

    async setUserPassword(zuid: number, passwordHash: string): Promise<boolean> {
      const res = await db
        .updateTable('users')
        .set({ password_hash: passwordHash })
        .where('zuid', '=', zuid)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async setUserDisabled(zuid: number, disabled: boolean): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        // First, so it waits for tokens being written (see lockGrant) and the deletes below see them.
        const res = await trx
          .updateTable('users')
          .set({ disabled: disabled ? 1 : 0 })
          .where('zuid', '=', zuid)
          .executeTakeFirst();
        if (disabled) {
          // A disabled account keeps nothing live: sign-ins and tokens end now.
          await trx.deleteFrom('sessions').where('zuid', '=', zuid).execute();
          await trx.deleteFrom('auth_codes').where('zuid', '=', zuid).execute();
          await trx.deleteFrom('access_tokens').where('zuid', '=', zuid).execute();
          await trx.deleteFrom('refresh_tokens').where('zuid', '=', zuid).execute();
        }
        return Number(res.numUpdatedRows) > 0;
      });
    },
  };
}
