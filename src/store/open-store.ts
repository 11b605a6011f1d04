/**
 * Opens a Store from a location: a SQLite file path (created with its folder), `:memory:`, or a
 * `postgres://` URL. `?schema=NAME` on a PostgreSQL URL selects (and creates) a schema, which is
 * how parallel test runs share one server without colliding. The SalesIQ-style API's store lives
 * in the same database and is reached from the opened store with `salesIqStoreFor`.
 */
import { resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, type SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import type { Database } from './kysely/schema.ts';
import { createKyselyStore, isKyselyStore, type KyselyStore } from './kysely/kysely-store.ts';
import { createKyselySalesIqStore } from './kysely/salesiq-store.ts';
import { postgresHotReads, sqliteHotReads } from './kysely/hot-reads.ts';
import { postgresHotSql, sqliteHotSql } from './kysely/hot-sql.ts';
import { migrateToLatest } from './migrations/index.ts';
import type { SalesIqStore } from './salesiq-types.ts';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.ts';
import { SqliteDialectKeepingErrors } from './sqlite-dialect.ts';
import { checkSqliteLocation, StoreLocationError } from './sqlite-location.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  /** Run migrations on open (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /**
   * The longest a PostgreSQL statement, or a wait for a pooled connection, may take, in
   * milliseconds (default 5,000; SPEC R15.5). The server cancels slower statements, and the
   * client gives up waiting on a server that does not answer at all (frozen, cut off).
   */
  statementTimeoutMs?: number;
  /**
   * Create a SQLite file (and its folder) that does not exist yet (default true). Admin commands
   * pass false, so a mistyped `--db` is an error rather than a new, empty database.
   */
  create?: boolean;
  /**
   * Run refreshes and code exchanges that arrive together in one transaction, each in its own
   * savepoint (default true; SPEC R16, `--group-commit`).
   */
  groupCommit?: boolean;
  /**
   * SQLite: checkpoint the WAL in a worker thread with a connection of its own, off the request
   * path (default true; sqlite-checkpointer.ts).
   */
  checkpointWorker?: boolean;
  /**
   * The database size, in bytes, from which the checkpoint worker runs (default
   * `CHECKPOINT_WORKER_FROM_BYTES`, 64 MiB; 0: at once). Smaller files are checked every few
   * seconds.
   */
  checkpointWorkerFrom?: number;
}

/** The default of `statementTimeoutMs` (and of `--db-statement-timeout`). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

const INT8_OID = 20;
const pgTypes = {
  // Counts and times fit in a double; read int8 as a number instead of a string.
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** Splits `?schema=` off a PostgreSQL URL. */
export function parsePostgresUrl(location: string): {
  connectionString: string;
  schema: string | undefined;
} {
  const url = new URL(location);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid schema name '${schema}': use lower-case letters, digits and _`);
  }
  return { connectionString: url.toString(), schema };
}

/** The client waits this much longer than the server's statement timeout, which cancels cleanly. */
const CLIENT_TIMEOUT_GRACE_MS = 500;

/**
 * A server that answers nothing (frozen, or cut off without a reset) would hold a query, and
 * the request behind it, forever: past `ms` the connection is destroyed, the query fails at once
 * (503) and the pool replaces the connection. (pg's own `query_timeout` leaves the connection
 * in the pool with the query still outstanding, which slowed every request that reused it.)
 */
function boundQueries(client: pg.PoolClient, ms: number): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const connection = (client as unknown as { connection: { stream: { destroy(): void } } })
    .connection;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    const timer = setTimeout(() => connection.stream.destroy(), ms);
    timer.unref();
    return result.finally(() => clearTimeout(timer));
  };
}

async function openPostgres(location: string, options: OpenStoreOptions): Promise<KyselyStore> {
  const { connectionString, schema } = parsePostgresUrl(location);
  if (schema) {
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const timeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    types: pgTypes,
    connectionTimeoutMillis: timeout,
    // The server cancels a slow statement; boundQueries covers a server that answers nothing.
    statement_timeout: timeout,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  // A client losing its server (restart, network) must not crash the process: the pool listens
  // only while a client is idle, and a checked-out client between two statements of a
  // transaction emitted an unhandled 'error'. Its next query fails instead (503), and the pool
  // drops it on release.
  pool.on('error', () => undefined);
  // The server processes of this pool's connections: a NOTIFY one of them sent is this store's
  // own revocation, which its listeners were told of before it was sent (revocations.ts).
  const ownBackends = new Set<number>();
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    boundQueries(client, timeout + CLIENT_TIMEOUT_GRACE_MS);
    const pid = backendOf(client);
    if (pid !== undefined) ownBackends.add(pid);
  });
  pool.on('remove', (client) => {
    const pid = backendOf(client);
    if (pid !== undefined) ownBackends.delete(pid);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (options.migrate ?? true) await migrateToLatest(db, 'postgres');
  const size = options.poolSize ?? 10;
  return createKyselyStore(
    db,
    'postgres',
    () => ({ size, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    {
      listen: { connectionString, schema, ownBackends },
      hot: postgresHotReads(pool),
      hotSql: postgresHotSql(pool),
      groupCommit: options.groupCommit ?? true,
    },
  );
}

/** The process id of a connection's server process (`pg` learns it while connecting). */
function backendOf(client: pg.PoolClient): number | undefined {
  const pid = (client as pg.PoolClient & { processID?: number | null }).processID;
  return typeof pid === 'number' ? pid : undefined;
}

/** Distinct SQL texts kept prepared; the store issues a few dozen, `in (...)` lists add more. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew, and preparing (parsing and planning the SQL)
 * costs more than running a primary-key lookup. Statements are keyed by their SQL text, whose
 * values are all bound parameters, so a cached statement is reused with the new values.
 * better-sqlite3 runs each statement to completion synchronously, so one is never busy twice.
 */
function withStatementCache(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (statement === undefined) {
        // Bounded: start over rather than track recency; the hot statements come back at once.
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        statement = database.prepare(sqlText);
        cache.set(sqlText, statement);
      }
      return statement;
    },
  };
}

/**
 * Whether another connection (another process: the CLI, a second server) committed to the file
 * since the last call. `PRAGMA data_version` changes exactly then, never for this connection's
 * own commits, and costs a look at the WAL index (a microsecond or so), so the token cache can
 * ask before each batch of lookups (SPEC R15.6 on SQLite).
 */
function commitsElsewhere(database: SqliteDatabase.Database): () => boolean {
  const dataVersion = database.prepare('PRAGMA data_version').pluck();
  let last = dataVersion.get();
  return () => {
    const now = dataVersion.get();
    if (now === last) return false;
    last = now;
    return true;
  };
}

/** Opens the SQLite file and proves it can be written, or says which file and why not. */
function openSqliteDatabase(location: string): SqliteDatabase.Database {
  let database: SqliteDatabase.Database | undefined;
  try {
    database = new SqliteDatabase(location);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    // Savepoints (group commit) journal the pages they change; keep that journal in memory
    // rather than in a temporary file.
    database.pragma('temp_store = MEMORY');
    // Checkpoint every 10,000 WAL pages (about 40 MB) instead of SQLite's 1,000: a checkpoint
    // copies each page once however many commits wrote it, and the token tables' hot pages (index
    // roots, the tables' ends) are written by nearly every commit. SQLite refresh grant: 7,969 ->
    // 8,709 req/s, 110 -> 106 µs/req (bench, same conditions). Durability is unchanged. With the
    // checkpoint worker (sqlite-checkpointer.ts) this is the bound on the WAL, and the checkpoint
    // that restarts it finds all but the last ~100 ms of pages already copied.
    database.pragma('wal_autocheckpoint = 10000');
    // A write lock needs the file, its journal and its folder writable: fail now, not at the
    // first sign-in.
    database.exec('BEGIN IMMEDIATE');
    database.exec('ROLLBACK');
    return database;
  } catch (error) {
    database?.close();
    const file = location === ':memory:' ? location : resolve(location);
    throw new StoreLocationError(
      file,
      `cannot use the database ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function openSqlite(location: string, options: OpenStoreOptions): Promise<KyselyStore> {
  if (location !== ':memory:') checkSqliteLocation(location, options.create ?? true);
  const database = openSqliteDatabase(location);
  let checkpointer: Checkpointer | undefined;
  const db = new Kysely<Database>({
    dialect: new SqliteDialectKeepingErrors(
      { database: withStatementCache(database) },
      database,
      // The worker's connection closes first, so the server's, the last, still removes the WAL.
      async () => checkpointer?.stop(),
    ),
  });
  if (options.migrate ?? true) await migrateToLatest(db, 'sqlite');
  // An in-memory database has no WAL to checkpoint.
  if (location !== ':memory:' && (options.checkpointWorker ?? true))
    checkpointer = startCheckpointer(resolve(location), options.checkpointWorkerFrom);
  return createKyselyStore(db, 'sqlite', undefined, {
    changedElsewhere: commitsElsewhere(database),
    hot: sqliteHotReads(database),
    hotSql: sqliteHotSql(database, db),
    groupCommit: options.groupCommit ?? true,
  });
}

/** Opens (and by default migrates) the store at a location. */
export function openStore(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  return isPostgresUrl(location) ? openPostgres(location, options) : openSqlite(location, options);
}

/**
 * The SalesIQ-style API's store over the same database as an opened store. It is separate so
 * that the authorization server's `Store` owes nothing to the demo API (SPEC R8).
 */
export function salesIqStoreFor(store: Store): SalesIqStore {
  if (!isKyselyStore(store)) throw new Error('salesIqStoreFor() needs a store from openStore().');
  return createKyselySalesIqStore(store.db, store.sqlDialect);
}
