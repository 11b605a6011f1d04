/**
 * A small SQL executor for the hot write transactions (SPEC R16): the refresh grant's mint and
 * the code exchange's redemption run their statements through it instead of the query builder.
 *
 * Each statement is written once, with PostgreSQL's `$1..$n` placeholders. On SQLite it becomes
 * a better-sqlite3 statement prepared on first use (the `$n` turned into `?`, the values
 * reordered to match) and runs synchronously; on PostgreSQL it is a named query (`pg` prepares it
 * once per connection and then sends only the values). Callers write their transaction once, as
 * async code over `SqlRunner`, and it runs the same on both databases.
 */
import type { Writable } from 'node:stream';
import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { SqlDialect } from '../types.ts';
import type { Database } from './schema.ts';

/** A statement of the hot paths: a unique name (PostgreSQL's prepared-statement name) and SQL. */
export interface HotStatement {
  readonly name: string;
  /** The SQL with `$1..$n` placeholders; a placeholder may appear more than once. */
  readonly text: string;
}

/** Declares a hot statement; `name` must be unique among them. */
export function hotStatement(name: string, text: string): HotStatement {
  return { name: `tollgate_${name}`, text };
}

export type SqlValue = string | number | null;

/** Runs statements, inside a transaction or outside one. */
export interface SqlRunner {
  /** The first row, if any (a select, or a write with RETURNING). */
  one<R>(statement: HotStatement, values: readonly SqlValue[]): Promise<R | undefined>;
  /** Every row. */
  all<R>(statement: HotStatement, values: readonly SqlValue[]): Promise<R[]>;
  /** A write without RETURNING; resolves to the number of rows it changed. */
  run(statement: HotStatement, values: readonly SqlValue[]): Promise<number>;
}

/** A transaction's runner, with savepoints for group commit (group-commit.ts). */
export interface TransactionRunner extends SqlRunner {
  /** Opens savepoint number `n` (names are `m<n>`). */
  savepoint(n: number): Promise<void>;
  /** Undoes everything since savepoint `n` (the transaction goes on). */
  rollbackTo(n: number): Promise<void>;
  /**
   * Keeps what was done since savepoint `n` (part of the transaction now). SQLite: ends it, so
   * savepoints never nest deep; PostgreSQL: nothing, to save a round trip (the transaction's
   * commit keeps it all the same, and a batch opens at most a few dozen).
   */
  release(n: number): Promise<void>;
}

/** The executor of one store. */
export interface HotSql {
  readonly dialect: SqlDialect;
  /** Statements outside a transaction (reads, or single writes that are atomic by themselves). */
  readonly direct: SqlRunner;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (q: TransactionRunner) => Promise<T>): Promise<T>;
}

/**
 * SQLite's form of a statement: `$n` placeholders become `?` in order of appearance, and `order`
 * says which value each `?` takes (null when they already appear as $1, $2, ... in order).
 */
interface SqliteForm {
  text: string;
  order: number[] | null;
}

export function toSqliteForm(text: string): SqliteForm {
  const order: number[] = [];
  const converted = text.replace(/\$(\d+)/g, (_, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  const inOrder = order.every((index, position) => index === position);
  return { text: converted, order: inOrder ? null : order };
}

/**
 * SQLite: statements prepared once and run synchronously. Kysely runs its own transactions over
 * several awaits on the one connection, holding its connection mutex; this executor takes the
 * same mutex (`db.connection()`) for a transaction, so neither runs inside the other, and a read
 * outside a transaction waits for it while one is open (it would see uncommitted rows).
 */
export function sqliteHotSql(database: SqliteDatabase.Database, db: Kysely<Database>): HotSql {
  const prepared = new Map<
    string,
    { statement: SqliteDatabase.Statement; order: number[] | null }
  >();
  const prepare = (s: HotStatement) => {
    let entry = prepared.get(s.name);
    if (entry === undefined) {
      const form = toSqliteForm(s.text);
      entry = { statement: database.prepare(form.text), order: form.order };
      prepared.set(s.name, entry);
    }
    return entry;
  };
  const bind = (order: number[] | null, values: readonly SqlValue[]): SqlValue[] =>
    order === null ? (values as SqlValue[]) : order.map((i) => values[i] ?? null);
  const oneSync = <R>(s: HotStatement, values: readonly SqlValue[]): R | undefined => {
    const { statement, order } = prepare(s);
    return statement.get(...bind(order, values)) as R | undefined;
  };
  const allSync = <R>(s: HotStatement, values: readonly SqlValue[]): R[] => {
    const { statement, order } = prepare(s);
    return statement.all(...bind(order, values)) as R[];
  };
  const runSync = (s: HotStatement, values: readonly SqlValue[]): number => {
    const { statement, order } = prepare(s);
    return statement.run(...bind(order, values)).changes;
  };
  const control = new Map<string, SqliteDatabase.Statement>();
  const exec = (text: string): void => {
    let statement = control.get(text);
    if (statement === undefined) {
      statement = database.prepare(text);
      control.set(text, statement);
    }
    statement.run();
  };
  const inside: TransactionRunner = {
    one: (s, v) => Promise.resolve(oneSync(s, v)),
    all: (s, v) => Promise.resolve(allSync(s, v)),
    run: (s, v) => Promise.resolve(runSync(s, v)),
    savepoint: (n) => Promise.resolve(exec(`savepoint m${n}`)),
    rollbackTo: (n) => Promise.resolve(exec(`rollback to m${n}`)),
    release: (n) => Promise.resolve(exec(`release m${n}`)),
  };
  // Outside a transaction: at once when none is open, else after it (through Kysely's mutex).
  const outside = <T>(read: () => T): Promise<T> =>
    database.inTransaction ? db.connection().execute(async () => read()) : Promise.resolve(read());
  return {
    dialect: 'sqlite',
    direct: {
      one: (s, v) => outside(() => oneSync(s, v)),
      all: (s, v) => outside(() => allSync(s, v)),
      run: (s, v) => outside(() => runSync(s, v)),
    },
    transaction<T>(work: (q: TransactionRunner) => Promise<T>): Promise<T> {
      return db.connection().execute(async () => {
        // IMMEDIATE: take the write lock now (another process may write the same file), so a
        // read that later writes never fails to upgrade its lock.
        exec('begin immediate');
        try {
          const result = await work(inside);
          exec('commit');
          return result;
        } catch (error) {
          // SQLite ends a transaction by itself on some errors (a full disk, I/O); then there is
          // nothing to roll back, and the original error must be the one the caller sees.
          if (database.inTransaction) exec('rollback');
          throw error;
        }
      });
    },
  };
}

/**
 * PostgreSQL: named queries on one pooled client per transaction, each in the client's promise
 * form so the bound on every query (open-store.ts) applies: a frozen server fails the query
 * within the statement timeout and the client is dropped rather than returned to the pool.
 *
 * Inside a transaction the client is in `pg`'s pipeline mode: a statement is written at once,
 * even while earlier ones are unanswered, and PostgreSQL runs them in order. `begin` and a
 * savepoint are sent without waiting for their answers; the next statement's answer is awaited
 * after theirs, so an error of theirs is still the one thrown. A refresh member of a batch (its
 * savepoint, the grant lock and the mint, grant-writes.ts) then costs one round trip, not three.
 */
export function postgresHotSql(pool: pg.Pool): HotSql {
  const runner = (
    client: PipelinedClient,
  ): TransactionRunner & { send(text: string): void; settle(): Promise<void> } => {
    /** Statements sent but not awaited (begin, savepoints): their failure comes first. */
    let unsettled: Promise<unknown>[] = [];
    // Statements sent in one stretch of synchronous code go out in one write: a system call per
    // statement was a third of the process's CPU on the refresh grant.
    const stream = (client as unknown as { connection: { stream: Writable } }).connection.stream;
    let corked = false;
    const uncork = (): void => {
      corked = false;
      stream.uncork();
    };
    const cork = (): void => {
      // Only in pipeline mode (a transaction): otherwise a statement waits for the one before.
      if (corked || client.pipeline !== true) return;
      corked = true;
      stream.cork();
      process.nextTick(uncork);
    };
    const send = (text: string): void => {
      cork();
      const sent = client.query(text);
      sent.catch(() => undefined);
      unsettled.push(sent);
    };
    const settle = async (): Promise<void> => {
      if (unsettled.length === 0) return;
      const pending = unsettled;
      unsettled = [];
      for (const sent of pending) await sent;
    };
    const query = async (s: HotStatement, values: readonly SqlValue[]) => {
      cork();
      const sent = client.query({ name: s.name, text: s.text, values: [...values] });
      try {
        await settle();
      } catch (error) {
        sent.catch(() => undefined);
        throw error;
      }
      return sent;
    };
    return {
      send,
      settle,
      one: async <R>(s: HotStatement, values: readonly SqlValue[]) =>
        (await query(s, values)).rows[0] as R | undefined,
      all: async <R>(s: HotStatement, values: readonly SqlValue[]) =>
        (await query(s, values)).rows as R[],
      run: async (s, values) => (await query(s, values)).rowCount ?? 0,
      // Answered before the member's first statement (which awaits it): see above.
      savepoint: (n) => {
        send(`savepoint m${n}`);
        return Promise.resolve();
      },
      async rollbackTo(n) {
        const sent = client.query(`rollback to savepoint m${n}`);
        // What was sent before it is answered first; only the rollback's own outcome matters.
        unsettled = [];
        await sent;
      },
      release: () => Promise.resolve(),
    };
  };
  /** Runs one statement on a client of its own. */
  const once = async <T>(work: (q: SqlRunner) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      const result = await work(runner(client));
      client.release();
      return result;
    } catch (error) {
      // A failure of the connection itself (not of the statement) must not go back to the pool.
      client.release(isStatementError(error) ? undefined : toError(error));
      throw error;
    }
  };
  return {
    dialect: 'postgres',
    direct: {
      one: (s, v) => once((q) => q.one(s, v)),
      all: (s, v) => once((q) => q.all(s, v)),
      run: (s, v) => once((q) => q.run(s, v)),
    },
    async transaction<T>(work: (q: TransactionRunner) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      const pipelined: PipelinedClient = client;
      pipelined.pipeline = true;
      const q = runner(pipelined);
      try {
        q.send('begin');
        const result = await work(q);
        await q.settle();
        await client.query('commit');
        pipelined.pipeline = false;
        client.release();
        return result;
      } catch (error) {
        // The caller sees the original error. A rollback that fails means the connection is
        // gone (or frozen): it is destroyed rather than returned to the pool. It is answered
        // after everything sent before it, so the client is idle again once it is.
        const broken = await client.query('rollback').then(
          () => undefined,
          (rollbackError: unknown) => toError(rollbackError),
        );
        pipelined.pipeline = false;
        client.release(broken);
        throw error;
      }
    },
  };
}

/** A pooled client with `pg`'s pipeline switch (pg 8.23; read on every query it sends). */
type PipelinedClient = pg.PoolClient & { pipeline?: boolean };

/** Whether PostgreSQL refused a statement (an SQLSTATE), leaving the connection usable. */
function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08');
}

const toError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error));
