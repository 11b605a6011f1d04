/**
 * What every section of the Kysely store is built from: the database and which SQL it speaks.
 * The sections are plain objects over one connection pool, assembled by `createKyselyStore`.
 */
import type { Kysely, Transaction } from 'kysely';
import type { SqlDialect } from '../types.ts';
import type { Database } from './schema.ts';
import type { HotReads } from './hot-reads.ts';
import type { HotSql } from './hot-sql.ts';
import type { GrantWriter } from './group-commit.ts';

/** The pool, or a transaction of it: helpers shared by several operations take either. */
export type Db = Kysely<Database> | Transaction<Database>;

/** The database of one store and its SQL dialect, given to each section's factory. */
export interface SectionContext {
  readonly db: Kysely<Database>;
  readonly sqlDialect: SqlDialect;
  /** The hot-path reads without the query builder (SPEC R16), when the driver offers them. */
  readonly hot?: HotReads;
  /** Statements without the query builder (SPEC R16), for the hot writes and their reads. */
  readonly hotSql: HotSql;
  /** Runs the token endpoint's write transactions, with group commit when it is on. */
  readonly writes: GrantWriter;
}
