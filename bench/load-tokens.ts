/**
 * Bulk loading for the benchmarks: the seed rows whose plaintexts the load generator knows
 * (users, one confidential client, refresh tokens, access tokens, codes), and filler tokens that
 * only make the tables big (`fillTokens`). Rows go in directly, not through the Store API: the
 * caps and hashing of the Store are not under test here, only the size of what it searches.
 *
 * As a script: `node --import tsx bench/load-tokens.ts --db PATH|postgres://... --tokens 1000000`
 * fills the store at `--db` up to that many filler access tokens (and a twentieth as many refresh
 * tokens), in batched multi-row inserts inside transactions (SQLite) or `generate_series`
 * (PostgreSQL).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { Insertable, Kysely } from 'kysely';
import { generateToken, hashSecret } from '../src/core/ids.ts';
import { hashPassword } from '../src/core/passwords.ts';
import { registerConfidentialClient } from '../src/core/registration.ts';
import { isPostgresUrl, openStore, parsePostgresUrl } from '../src/store/open-store.ts';
import { isKyselyStore } from '../src/store/kysely/kysely-store.ts';
import type { Database } from '../src/store/kysely/schema.ts';
import type { Store } from '../src/store/types.ts';

/** The scopes of every seeded grant: user info, and the SalesIQ API's portals and operators. */
export const BENCH_SCOPES = [
  'AaaServer.profile.READ',
  'SalesIQ.portals.ALL',
  'SalesIQ.operators.READ',
];
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** Filler rows belong to this client id, which no request uses. */
const FILLER_CLIENT = '1000.BENCHFILLER00000000000000000000';
const FILLER_USERS = 50_000;
/** One filler refresh token per this many filler access tokens (the cap of SPEC R5.3). */
const ACCESS_PER_REFRESH = 20;
const BATCH = 500;

export interface SeedOptions {
  /** Users holding the refresh and access tokens used by the load. */
  users: number;
  /** Refresh tokens per user (at most the cap of 20). */
  refreshPerUser: number;
  /** Access tokens used by user info and introspection. */
  accessTokens: number;
}

export interface Fixtures {
  clientId: string;
  clientSecret: string;
  /** Plaintext refresh tokens of `clientId`. */
  refreshTokens: string[];
  /** Plaintext access tokens of `clientId`, valid for `accessTtlMs`. */
  accessTokens: string[];
  /** Users who receive the codes of the code-exchange case (kept apart from the refresh users). */
  codeUsers: number[];
}

function kyselyOf(store: Store): Kysely<Database> {
  if (!isKyselyStore(store)) throw new Error('The benchmark loader needs the Kysely store.');
  return store.db;
}

async function insertChunked<T>(
  rows: T[],
  insert: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

/** Users, the bench client, and the tokens the load generator sends (plaintexts returned). */
export async function seedFixtures(
  store: Store,
  options: SeedOptions,
  now = Date.now(),
): Promise<Fixtures> {
  const db = kyselyOf(store);
  // One real scrypt hash shared by every bench user: nobody signs in during the benchmark.
  const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
  const zuids: number[] = [];
  const codeUsers: number[] = [];
  for (let i = 0; i < options.users * 2; i++) {
    const created = await store.createUser(
      {
        email: `bench-${i}-${randomBytes(4).toString('hex')}@example.com`,
        passwordHash,
        firstName: 'Bench',
        lastName: `User ${i}`,
        displayName: `Bench User ${i}`,
      },
      now,
    );
    if (created.outcome !== 'created') throw new Error('bench user emails are unique');
    (i < options.users ? zuids : codeUsers).push(created.user.zuid);
  }
  const { client, clientSecret } = await registerConfidentialClient(
    store,
    {
      name: 'Tollgate benchmark',
      domain: 'http://127.0.0.1',
      redirectUris: [REDIRECT_URI],
      type: 'server',
    },
    null,
    now,
  );
  const scopes = BENCH_SCOPES.join(' ');
  const refreshTokens: string[] = [];
  const refreshRows: Insertable<Database['refresh_tokens']>[] = [];
  for (const zuid of zuids) {
    for (let j = 0; j < options.refreshPerUser; j++) {
      const token = generateToken();
      refreshTokens.push(token);
      refreshRows.push({
        token_hash: hashSecret(token),
        client_id: client.clientId,
        zuid,
        scopes,
        family_id: randomUUID(),
        code_hash: null,
        created_at: now,
        last_used_at: null,
        rotated_at: null,
      });
    }
  }
  const accessTokens: string[] = [];
  const accessRows: Insertable<Database['access_tokens']>[] = [];
  for (let i = 0; i < options.accessTokens; i++) {
    const token = generateToken();
    accessTokens.push(token);
    accessRows.push({
      token_hash: hashSecret(token),
      client_id: client.clientId,
      zuid: zuids[i % zuids.length] ?? 0,
      scopes,
      // Longer than any run; these tokens stand for live ones.
      expires_at: now + 6 * 3600_000,
      refresh_token_id: null,
      code_hash: null,
      created_at: now,
    });
  }
  await db.transaction().execute(async (trx) => {
    await insertChunked(refreshRows, (chunk) =>
      trx.insertInto('refresh_tokens').values(chunk).execute(),
    );
    await insertChunked(accessRows, (chunk) =>
      trx.insertInto('access_tokens').values(chunk).execute(),
    );
  });
  return { clientId: client.clientId, clientSecret, refreshTokens, accessTokens, codeUsers };
}

/** Mints `count` authorization codes for the bench client (offline, so each exchange issues a refresh token too). */
export async function mintCodes(
  store: Store,
  fixtures: Fixtures,
  count: number,
  now = Date.now(),
): Promise<string[]> {
  const db = kyselyOf(store);
  const codes: string[] = [];
  const rows: Database['auth_codes'][] = [];
  for (let i = 0; i < count; i++) {
    const code = generateToken();
    codes.push(code);
    rows.push({
      code_hash: hashSecret(code),
      client_id: fixtures.clientId,
      zuid: fixtures.codeUsers[i % fixtures.codeUsers.length] ?? 0,
      scopes: BENCH_SCOPES.join(' '),
      redirect_uri: REDIRECT_URI,
      offline: 1,
      code_challenge: null,
      code_challenge_method: null,
      state: null,
      description: null,
      expires_at: now + 3600_000,
      created_at: now,
      consumed_at: null,
    });
  }
  await db
    .transaction()
    .execute((trx) =>
      insertChunked(rows, (chunk) => trx.insertInto('auth_codes').values(chunk).execute()),
    );
  return codes;
}

/** How many filler access tokens the store holds. */
export async function countFiller(location: string): Promise<number> {
  if (isPostgresUrl(location)) {
    return withPg(location, async (client) => {
      const res = await client.query<{ n: string }>(
        'select count(*) as n from access_tokens where client_id = $1',
        [FILLER_CLIENT],
      );
      return Number(res.rows[0]?.n ?? 0);
    });
  }
  const db = new SqliteDatabase(location);
  try {
    const row = db
      .prepare('select count(*) as n from access_tokens where client_id = ?')
      .get(FILLER_CLIENT) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/**
 * Adds filler tokens until the store holds `target` filler access tokens (and a twentieth as many
 * filler refresh tokens, each access token linked to one). Returns how many were added.
 */
export async function fillTokens(
  location: string,
  target: number,
  now = Date.now(),
): Promise<number> {
  const have = await countFiller(location);
  const missing = Math.max(0, target - have);
  if (missing === 0) return 0;
  if (isPostgresUrl(location)) await fillPostgres(location, missing, have, now);
  else fillSqlite(location, missing, have, now);
  return missing;
}

function fillSqlite(location: string, count: number, offset: number, now: number): void {
  const db = new SqliteDatabase(location);
  try {
    // Bench data, loaded while no server runs: no journal (a crash loses it, which is fine), one
    // write per page, and a big page cache that keeps the index inserts in memory.
    db.pragma('journal_mode = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const refreshInsert = (n: number) =>
      db.prepare(
        `insert into refresh_tokens (token_hash, client_id, zuid, scopes, family_id, code_hash, created_at, last_used_at, rotated_at) values ${Array(n).fill('(?, ?, ?, ?, ?, null, ?, null, null)').join(', ')}`,
      );
    const accessInsert = (n: number) =>
      db.prepare(
        `insert into access_tokens (token_hash, client_id, zuid, scopes, expires_at, refresh_token_id, code_hash, created_at) values ${Array(n).fill('(?, ?, ?, ?, ?, ?, null, ?)').join(', ')}`,
      );
    const fullRefresh = refreshInsert(BATCH);
    const fullAccess = accessInsert(BATCH);
    const scopes = BENCH_SCOPES.join(' ');
    // Per transaction: a block of refresh tokens, then the access tokens that hang off them.
    const block = BATCH * ACCESS_PER_REFRESH;
    const insertBlock = db.transaction((start: number, size: number) => {
      const refreshCount = Math.ceil(size / ACCESS_PER_REFRESH);
      const refreshIds: number[] = [];
      for (let i = 0; i < refreshCount; i += BATCH) {
        const n = Math.min(BATCH, refreshCount - i);
        const values: unknown[] = [];
        for (let k = 0; k < n; k++) {
          const serial = Math.floor((offset + start) / ACCESS_PER_REFRESH) + i + k;
          values.push(
            randomBytes(32).toString('hex'),
            FILLER_CLIENT,
            1_000_000_000 + (serial % FILLER_USERS),
            scopes,
            randomUUID(),
            now,
          );
        }
        const res = (n === BATCH ? fullRefresh : refreshInsert(n)).run(values);
        // One multi-row insert on one connection takes consecutive ids.
        const last = Number(res.lastInsertRowid);
        for (let k = 0; k < n; k++) refreshIds.push(last - n + 1 + k);
      }
      for (let i = 0; i < size; i += BATCH) {
        const n = Math.min(BATCH, size - i);
        const values: unknown[] = [];
        for (let k = 0; k < n; k++) {
          const j = i + k;
          values.push(
            randomBytes(32).toString('hex'),
            FILLER_CLIENT,
            1_000_000_000 + ((offset + start + j) % FILLER_USERS),
            scopes,
            now + 3600_000,
            refreshIds[Math.floor(j / ACCESS_PER_REFRESH)] ?? null,
            now,
          );
        }
        (n === BATCH ? fullAccess : accessInsert(n)).run(values);
      }
    });
    for (let start = 0; start < count; start += block)
      insertBlock(start, Math.min(block, count - start));
    db.pragma('analysis_limit = 1000');
    db.exec('analyze');
    db.pragma('locking_mode = NORMAL');
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

async function withPg<T>(location: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const { connectionString, schema } = parsePostgresUrl(location);
  const client = new pg.Client({
    connectionString,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function fillPostgres(
  location: string,
  count: number,
  offset: number,
  now: number,
): Promise<void> {
  const chunk = 1_000_000;
  await withPg(location, async (client) => {
    await client.query('set synchronous_commit = off');
    await client.query(`set maintenance_work_mem = '256MB'`);
    // Inserting millions of random keys into live B-trees is the slow part of a big fill: drop the
    // secondary indexes and unique constraints of the two token tables, load, then rebuild them
    // from their own definitions, so the schema measured afterwards is exactly the migrated one.
    const rebuild = count >= 1_000_000 ? await dropSecondaryIndexes(client) : [];
    for (let start = 0; start < count; start += chunk) {
      const size = Math.min(chunk, count - start);
      const refreshCount = Math.ceil(size / ACCESS_PER_REFRESH);
      const base = offset + start;
      await client.query('begin');
      // md5 of a random value twice: 64 hex characters, the shape of a SHA-256 hex digest.
      const ids = await client.query<{ first: string }>(
        `with r as (
           insert into refresh_tokens (token_hash, client_id, zuid, scopes, family_id, code_hash, created_at, last_used_at, rotated_at)
           select md5(g::text || random()::text) || md5(random()::text), $1, 1000000000 + (($2::bigint / ${ACCESS_PER_REFRESH} + g) % ${FILLER_USERS}),
                  $3, md5(random()::text), null, $4, null, null
           from generate_series(0, $5::bigint - 1) g
           returning id)
         select min(id) as first from r`,
        [FILLER_CLIENT, base, BENCH_SCOPES.join(' '), now, refreshCount],
      );
      const first = Number(ids.rows[0]?.first);
      await client.query(
        `insert into access_tokens (token_hash, client_id, zuid, scopes, expires_at, refresh_token_id, code_hash, created_at)
         select md5(g::text || random()::text) || md5(random()::text), $1, 1000000000 + (($2::bigint + g) % ${FILLER_USERS}),
                $3, $4, $5::bigint + g / ${ACCESS_PER_REFRESH}, null, $6
         from generate_series(0, $7::bigint - 1) g`,
        [FILLER_CLIENT, base, BENCH_SCOPES.join(' '), now + 3600_000, first, now, size],
      );
      await client.query('commit');
    }
    for (const statement of rebuild) await client.query(statement);
    await client.query('analyze access_tokens');
    await client.query('analyze refresh_tokens');
  });
}

/**
 * Drops the secondary indexes and unique constraints of the token tables (not the primary keys)
 * and returns the statements that recreate them from their own definitions.
 */
async function dropSecondaryIndexes(client: pg.Client): Promise<string[]> {
  const constraints = await client.query<{ tbl: string; conname: string; def: string }>(
    `select c.relname as tbl, k.conname, pg_get_constraintdef(k.oid) as def
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relname in ('access_tokens', 'refresh_tokens') and k.contype = 'u'`,
  );
  const indexes = await client.query<{ indexname: string; indexdef: string }>(
    `select indexname, indexdef from pg_indexes
      where schemaname = current_schema() and tablename in ('access_tokens', 'refresh_tokens')
        and indexdef not like 'CREATE UNIQUE%'`,
  );
  for (const k of constraints.rows)
    await client.query(`alter table "${k.tbl}" drop constraint "${k.conname}"`);
  for (const i of indexes.rows) await client.query(`drop index "${i.indexname}"`);
  return [
    ...constraints.rows.map((k) => `alter table "${k.tbl}" add constraint "${k.conname}" ${k.def}`),
    ...indexes.rows.map((i) => i.indexdef),
  ];
}

/** Opens the store at `location` once, so its tables exist, and closes it. */
export async function ensureSchema(location: string): Promise<void> {
  const store = await openStore(location);
  await store.close();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { db: { type: 'string' }, tokens: { type: 'string' } } });
  if (!values.db || !values.tokens || !/^\d+$/.test(values.tokens)) {
    process.stderr.write(
      'Usage: node --import tsx bench/load-tokens.ts --db PATH|postgres://URL --tokens N\n',
    );
    process.exit(2);
  }
  await ensureSchema(values.db);
  const started = performance.now();
  const added = await fillTokens(values.db, Number(values.tokens));
  process.stdout.write(
    `Added ${added} filler access tokens in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
