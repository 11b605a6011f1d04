/**
 * Sign-in sessions of the login page, stored by the hash of their cookie's value. A session of a
 * disabled user is not found (disabling also deletes them; the join covers a race with that).
 */
import type { Session, SessionStore } from '../types.ts';
import type { SectionContext } from './context.ts';

/** The sessions section of the Kysely store. */
export function createSessionStore({ db }: SectionContext): SessionStore {
  return {
    async createSession(idHash: string, session: Session): Promise<void> {
      await db
        .insertInto('sessions')
        .values({
          id_hash: idHash,
          zuid: session.zuid,
          created_at: session.createdAt,
          expires_at: session.expiresAt,
        })
        .execute();
    },

    async findSession(idHash: string, now: number): Promise<Session | undefined> {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.zuid', 'sessions.zuid')
        .select(['sessions.zuid', 'sessions.created_at', 'sessions.expires_at'])
        .where('sessions.id_hash', '=', idHash)
        .where('sessions.expires_at', '>', now)
        .where('users.disabled', '=', 0)
        .executeTakeFirst();
      return (
        row && {
          zuid: Number(row.zuid),
          createdAt: Number(row.created_at),
          expiresAt: Number(row.expires_at),
        }
      );
    },

    async deleteSession(idHash: string): Promise<void> {
      await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    },
  };
}
