/**
 * The reads behind every user-info, introspection and API request (SPEC R16), an access token by
 * hash and a user by ZUID (or both in one joined read, for user info), and behind every token request, a client by id (client
 * authentication, with its throttle's counter) and a code by hash (the code exchange's read before redeeming), without the
 * query builder. On SQLite each is a statement
 * prepared once and run synchronously; on PostgreSQL a named query (`pg` prepares it once per
 * connection and afterwards sends only its parameters), the reads by one key batched across the
 * requests of one event-loop turn (batched-reads.ts). The SQL is written out here once and
 * returns the same columns as the Kysely queries it replaces; everything else stays on Kysely.
 */
import type SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import { batchedRead } from './batched-reads.ts';
import type {
  AccessTokensTable,
  AuthCodesTable,
  ClientsTable,
  CountersTable,
  RefreshTokensTable,
  UsersTable,
} from './schema.ts';

export type AccessTokenRow = Pick<
  AccessTokensTable,
  'client_id' | 'zuid' | 'scopes' | 'expires_at' | 'refresh_token_id' | 'audience' | 'dpop_jkt'
>;
/** The joined read: the token's columns, then its user's, prefixed `user_` (null: no user row). */
export type AccessTokenUserRow = AccessTokenRow & {
  user_zuid: number | null;
  user_email: string | null;
  user_first_name: string | null;
  user_last_name: string | null;
  user_display_name: string | null;
  user_disabled: number | null;
  user_created_at: number | null;
  user_dc: string | null;
};
export type UserRow = Pick<
  UsersTable,
  'zuid' | 'email' | 'first_name' | 'last_name' | 'display_name' | 'disabled' | 'created_at' | 'dc'
>;

/** The columns `toClient` reads, and the secret's hash (client authentication compares it). */
export type ClientRow = Pick<
  ClientsTable,
  | 'client_id'
  | 'secret_hash'
  | 'name'
  | 'domain'
  | 'type'
  | 'redirect_uris'
  | 'owner_zuid'
  | 'profile'
  | 'created_at'
  | 'registration'
  | 'access_token_format'
  | 'data_centres'
>;

/** Reads that bypass Kysely; 'busy' means "not now: read through Kysely this time". */
export interface HotReads {
  accessToken(tokenHash: string): Promise<AccessTokenRow | undefined> | 'busy';
  user(zuid: number): Promise<UserRow | undefined> | 'busy';
  accessTokenWithUser(tokenHash: string): Promise<AccessTokenUserRow | undefined> | 'busy';
  client(clientId: string): Promise<ClientRow | undefined> | 'busy';
  code(codeHash: string): Promise<AuthCodesTable | undefined> | 'busy';
  /** The refresh grant's read before its mint (its user, resources and key binding). */
  refreshToken(tokenHash: string): Promise<RefreshRow | undefined> | 'busy';
  counter(key: string): Promise<CounterRow | undefined> | 'busy';
  /** Client authentication's one read with throttles on: the client and its throttle counter. */
  clientAuth(clientId: string | null, counterKey: string): Promise<ClientAuthRow> | 'busy';
}

export type CounterRow = Pick<CountersTable, 'count' | 'window_end'>;

/** A refresh token's row as the grant code reads it (ids as numbers). */
export type RefreshRow = Omit<RefreshTokensTable, 'id'> & { id: number };
export const REFRESH_COLUMNS =
  'id, token_hash, client_id, zuid, scopes, family_id, code_hash, created_at, last_used_at, rotated_at, resources, dpop_jkt';

/** A client's columns (null when there is no such client) and its throttle counter's. */
export type ClientAuthRow = { [K in keyof ClientRow]: ClientRow[K] | null } & {
  throttle_count: number | null;
  throttle_window_end: number | null;
};

const ACCESS_TOKEN_SQL = (param: string): string =>
  `select client_id, zuid, scopes, expires_at, refresh_token_id, audience, dpop_jkt from access_tokens where token_hash = ${param}`;
/** One statement for user info: the token and its user (a left join: the user may be gone). */
export const ACCESS_TOKEN_USER_SQL = (param: string): string =>
  `select t.client_id, t.zuid, t.scopes, t.expires_at, t.refresh_token_id, t.audience, t.dpop_jkt, ` +
  `u.zuid as user_zuid, u.email as user_email, u.first_name as user_first_name, ` +
  `u.last_name as user_last_name, u.display_name as user_display_name, u.disabled as user_disabled, ` +
  `u.created_at as user_created_at, u.dc as user_dc ` +
  `from access_tokens t left join users u on u.zuid = t.zuid where t.token_hash = ${param}`;
const USER_SQL = (param: string): string =>
  `select zuid, email, first_name, last_name, display_name, disabled, created_at, dc from users where zuid = ${param}`;
const CLIENT_SQL = (param: string): string =>
  `select client_id, secret_hash, name, domain, type, redirect_uris, owner_zuid, profile, created_at, registration, access_token_format, data_centres from clients where client_id = ${param}`;
const CODE_SQL = (param: string): string =>
  `select code_hash, client_id, zuid, scopes, redirect_uri, offline, code_challenge, code_challenge_method, state, description, expires_at, created_at, consumed_at, resources, dpop_jkt, nonce, auth_time from auth_codes where code_hash = ${param}`;
const REFRESH_SQL = (param: string): string =>
  `select ${REFRESH_COLUMNS} from refresh_tokens where token_hash = ${param}`;
const COUNTER_SQL = (param: string): string =>
  `select "count", window_end from counters where "key" = ${param}`;
const CLIENT_AUTH_COLUMNS =
  `c.client_id, c.secret_hash, c.name, c.domain, c.type, c.redirect_uris, c.owner_zuid, c.profile, c.created_at, c.registration, c.access_token_format, c.data_centres, ` +
  `k."count" as throttle_count, k.window_end as throttle_window_end`;
// One row always (from the one-row subquery); a null client id matches no client.
const CLIENT_AUTH_SQL = (clientParam: string, keyParam: string): string =>
  `select ${CLIENT_AUTH_COLUMNS} from (select 1 as one) q left join clients c on c.client_id = ${clientParam} left join counters k on k."key" = ${keyParam}`;
// PostgreSQL's batch of it: one row per (client id, counter key) pair, which it returns too.
const CLIENT_AUTH_BATCH_SQL =
  `select q.client_key as batch_client, q.counter_key as batch_counter, ${CLIENT_AUTH_COLUMNS} ` +
  `from unnest($1::text[], $2::text[]) as q(client_key, counter_key) ` +
  `left join clients c on c.client_id = q.client_key left join counters k on k."key" = q.counter_key`;

/**
 * SQLite: statements prepared on first use and reused. Kysely runs a transaction over several
 * awaits on the one connection, holding its mutex; a read that ran in between would see that
 * transaction's uncommitted rows, so while one is open the read answers 'busy' and the caller
 * queues behind the transaction through Kysely as before.
 */
export function sqliteHotReads(database: SqliteDatabase.Database): HotReads {
  /** One read: its statement is prepared on first use and reused. */
  const read = <P extends unknown[], R>(
    text: string,
  ): ((...params: P) => Promise<R | undefined> | 'busy') => {
    let statement: SqliteDatabase.Statement<P, R> | undefined;
    return (...params) => {
      if (database.inTransaction) return 'busy';
      statement ??= database.prepare<P, R>(text);
      return Promise.resolve(statement.get(...params));
    };
  };
  const clientAuth = read<[string | null, string], ClientAuthRow>(CLIENT_AUTH_SQL('?', '?'));
  return {
    accessToken: read<[string], AccessTokenRow>(ACCESS_TOKEN_SQL('?')),
    user: read<[number], UserRow>(USER_SQL('?')),
    accessTokenWithUser: read<[string], AccessTokenUserRow>(ACCESS_TOKEN_USER_SQL('?')),
    client: read<[string], ClientRow>(CLIENT_SQL('?')),
    code: read<[string], AuthCodesTable>(CODE_SQL('?')),
    refreshToken: read<[string], RefreshRow>(REFRESH_SQL('?')),
    counter: read<[string], CounterRow>(COUNTER_SQL('?')),
    clientAuth: (clientId, counterKey) => {
      const row = clientAuth(clientId, counterKey);
      return row === 'busy' ? row : row.then(oneRow);
    },
  };
}

/** The row of a query that always answers one. */
function oneRow<R>(row: R | undefined): R {
  if (row === undefined) throw new Error('A one-row query answered no row.');
  return row;
}

/**
 * PostgreSQL: named queries on pooled clients (prepared once per connection by `pg`). The reads
 * by one key are batched (batched-reads.ts): the keys asked for in one turn of the event loop
 * go in one statement, `where <key> = any($1::<type>[])`, which returns the key as `batch_key`.
 */
export function postgresHotReads(pool: pg.Pool): HotReads {
  const rows = async <R extends pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<R[]> => {
    // A client of its own, queried in the promise form, so the bound on every query of a pooled
    // client (open-store.ts) applies: `pool.query` uses the callback form, which it does not
    // see, and a frozen server held such a read until the caller gave up.
    const client = await pool.connect();
    try {
      const result = await client.query<R>({ name, text, values });
      return result.rows;
    } finally {
      client.release();
    }
  };
  /** One read by key: alone, the single-key statement; with others, one statement for all. */
  const byKey = <K extends string | number, R extends pg.QueryResultRow>(
    name: string,
    text: (param: string) => string,
    key: string,
    type: 'text' | 'bigint',
  ): ((value: K) => Promise<R | undefined>) => {
    const single = text('$1');
    const batch = keyed(text(`any($1::${type}[])`), key);
    return batchedRead<K, R, R & { batch_key: K }>({
      one: async (value) => (await rows<R>(name, single, [value]))[0],
      many: (values) => rows(`${name}_batch`, batch, [values]),
      keyOf: (row) => row.batch_key,
      // A zuid that is no integer would fail the statement of every request in its batch.
      alone: (value) => (typeof value === 'string' ? oddText(value) : !Number.isSafeInteger(value)),
    });
  };
  // Client authentication's read has two keys; the batcher's key is the pair, written as one
  // string (pairKey) so that equal pairs are asked for once.
  const clientAuth = batchedRead<
    string,
    ClientAuthRow,
    ClientAuthRow & { batch_client: string | null; batch_counter: string }
  >({
    one: async (key) =>
      (
        await rows<ClientAuthRow>('tollgate_client_auth', CLIENT_AUTH_SQL('$1', '$2'), unpair(key))
      )[0],
    many: (keys) => {
      const clients: (string | null)[] = [];
      const counters: string[] = [];
      for (const key of keys) {
        const [client, counter] = unpair(key);
        clients.push(client);
        counters.push(counter);
      }
      return rows('tollgate_client_auth_batch', CLIENT_AUTH_BATCH_SQL, [clients, counters]);
    },
    keyOf: (row) => pairKey(row.batch_client, row.batch_counter),
    alone: oddText,
  });
  return {
    accessToken: byKey<string, AccessTokenRow>(
      'tollgate_access_token',
      ACCESS_TOKEN_SQL,
      'token_hash',
      'text',
    ),
    user: byKey<number, UserRow>('tollgate_user', USER_SQL, 'zuid', 'bigint'),
    accessTokenWithUser: byKey<string, AccessTokenUserRow>(
      'tollgate_access_token_user',
      ACCESS_TOKEN_USER_SQL,
      't.token_hash',
      'text',
    ),
    client: byKey<string, ClientRow>('tollgate_client', CLIENT_SQL, 'client_id', 'text'),
    code: byKey<string, AuthCodesTable>('tollgate_code', CODE_SQL, 'code_hash', 'text'),
    refreshToken: byKey<string, RefreshRow>(
      'tollgate_refresh_token',
      REFRESH_SQL,
      'token_hash',
      'text',
    ),
    counter: byKey<string, CounterRow>('tollgate_counter', COUNTER_SQL, '"key"', 'text'),
    clientAuth: (clientId, counterKey) => clientAuth(pairKey(clientId, counterKey)).then(oneRow),
  };
}

/**
 * Keys a batch must not carry, read alone as before batching: PostgreSQL refuses a text with a
 * NUL (failing the statement, so every request of the batch), and stores a lone surrogate as
 * U+FFFD, so the row it finds would name another key than the one asked for. Valid surrogate
 * pairs go alone too: rare in keys, and not worth telling apart here.
 */
function oddText(key: string): boolean {
  return /[\0\uD800-\uDFFF]/.test(key);
}

/** A client id (or none) and a counter key as one string: `-key`, or `<length>:<id><key>`. */
function pairKey(clientId: string | null, counterKey: string): string {
  return clientId === null ? `-${counterKey}` : `${clientId.length}:${clientId}${counterKey}`;
}

/** The client id and counter key of a `pairKey`. */
function unpair(key: string): [string | null, string] {
  if (key.startsWith('-')) return [null, key.slice(1)];
  const colon = key.indexOf(':');
  const end = colon + 1 + Number(key.slice(0, colon));
  return [key.slice(colon + 1, end), key.slice(end)];
}

/** A read's SQL that also returns `key` as `batch_key`, telling which key each row answers. */
function keyed(text: string, key: string): string {
  if (!text.startsWith('select ')) throw new Error('A hot read starts with select.');
  return `select ${key} as batch_key, ${text.slice('select '.length)}`;
}
