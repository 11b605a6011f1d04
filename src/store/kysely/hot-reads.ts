/**
 * The two reads behind every user-info, introspection and API request (SPEC R16): an access
 * token by hash and a user by ZUID, without the query builder. On SQLite each is a statement
 * prepared once and run synchronously; on PostgreSQL a named query (`pg` prepares it once per
 * connection and afterwards sends only its parameters). The SQL is written out here once and
 * returns the same columns as the Kysely queries it replaces; everything else stays on Kysely.
 */
import type SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import type { AccessTokensTable, UsersTable } from './schema.ts';

export type AccessTokenRow = Pick<
  AccessTokensTable,
  'client_id' | 'zuid' | 'scopes' | 'expires_at' | 'refresh_token_id' | 'audience' | 'dpop_jkt'
>;
export type UserRow = Pick<
  UsersTable,
  'zuid' | 'email' | 'first_name' | 'last_name' | 'display_name' | 'disabled' | 'created_at' | 'dc'
>;

/** Reads that bypass Kysely; 'busy' means "not now: read through Kysely this time". */
export interface HotReads {
  accessToken(tokenHash: string): Promise<AccessTokenRow | undefined> | 'busy';
  user(zuid: number): Promise<UserRow | undefined> | 'busy';
}

const ACCESS_TOKEN_SQL = (param: string): string =>
  `select client_id, zuid, scopes, expires_at, refresh_token_id, audience, dpop_jkt from access_tokens where token_hash = ${param}`;
const USER_SQL = (param: string): string =>
  `select zuid, email, first_name, last_name, display_name, disabled, created_at, dc from users where zuid = ${param}`;

/**
 * SQLite: statements prepared on first use and reused. Kysely runs a transaction over several
 * awaits on the one connection, holding its mutex; a read that ran in between would see that
 * transaction's uncommitted rows, so while one is open the read answers 'busy' and the caller
 * queues behind the transaction through Kysely as before.
 */
export function sqliteHotReads(database: SqliteDatabase.Database): HotReads {
  let token: SqliteDatabase.Statement<[string], AccessTokenRow> | undefined;
  let user: SqliteDatabase.Statement<[number], UserRow> | undefined;
  return {
    accessToken(tokenHash) {
      if (database.inTransaction) return 'busy';
      token ??= database.prepare<[string], AccessTokenRow>(ACCESS_TOKEN_SQL('?'));
      return Promise.resolve(token.get(tokenHash));
    },
    user(zuid) {
      if (database.inTransaction) return 'busy';
      user ??= database.prepare<[number], UserRow>(USER_SQL('?'));
      return Promise.resolve(user.get(zuid));
    },
  };
}

/** PostgreSQL: named queries on pooled clients (prepared once per connection by `pg`). */
export function postgresHotReads(pool: pg.Pool): HotReads {
  const first = async <R extends pg.QueryResultRow>(
    name: string,
    text: string,
    value: string | number,
  ): Promise<R | undefined> => {
    // A client of its own, queried in the promise form, so the bound on every query of a pooled
    // client (open-store.ts) applies: `pool.query` uses the callback form, which it does not
    // see, and a frozen server held such a read until the caller gave up.
    const client = await pool.connect();
    try {
      const result = await client.query<R>({ name, text, values: [value] });
      return result.rows[0];
    } finally {
      client.release();
    }
  };
  return {
    accessToken: (tokenHash) =>
      first<AccessTokenRow>('tollgate_access_token', ACCESS_TOKEN_SQL('$1'), tokenHash),
    user: (zuid) => first<UserRow>('tollgate_user', USER_SQL('$1'), zuid),
  };
}
