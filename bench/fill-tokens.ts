/**
 * Filler tokens for the scale benchmarks: rows that only make the tables big, owned by a client
 * no request uses, inserted directly (not through the Store API).
 *
 * As a script: `node --import tsx bench/fill-tokens.ts --db PATH|postgres://... --tokens 1000000`
 * fills the store at `--db` up to that many filler access tokens (and a twentieth as many refresh
 * tokens), in batched multi-row inserts inside transactions (SQLite) or `generate_series`
 * (PostgreSQL).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl, openStore, parsePostgresUrl } from '../src/store/open-store.ts';
import { BATCH, BENCH_SCOPES } from './load-tokens.ts';

/** Filler rows belong to this client id, which no request uses. */
const FILLER_CLIENT = '1000.BENCHFILLER00000000000000000000';
const FILLER_USERS = 50_000;
/** One filler refresh token per this many filler access tokens (the cap of SPEC R5.3). */
const ACCESS_PER_REFRESH = 20;
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
    // Write the load's pages and end its WAL now: a checkpoint due to the fill (its index builds
    // log every page) would otherwise run during the measured window and count as the cases' cost.
    // It needs a superuser or pg_checkpoint; without either the run goes on and says so.
    await client.query('checkpoint').catch((error: unknown) => {
      process.stderr.write(`fill-tokens: no CHECKPOINT after the fill (${String(error)})\n`);
    });
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
      'Usage: node --import tsx bench/fill-tokens.ts --db PATH|postgres://URL --tokens N\n',
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
