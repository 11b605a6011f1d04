/**
 * Kysely's SQLite dialect, keeping SQLite's own error when SQLite has already rolled back.
 *
 * SQLite ends a transaction by itself on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY and
 * SQLITE_NOMEM in a statement or a commit). Kysely then sends ROLLBACK, which fails with "cannot
 * rollback - no transaction is active", and that error replaced the real one: a full disk was
 * answered 500 instead of 503 temporarily_unavailable. This driver rolls back only what is open.
 */
import type SqliteDatabase from 'better-sqlite3';
import {
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';

export class SqliteDialectKeepingErrors extends SqliteDialect {
  /** @param database the connection itself, asked whether a transaction is still open. */
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly database: SqliteDatabase.Database,
    private readonly beforeClose?: () => Promise<void>,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const database = this.database;
    const beforeClose = this.beforeClose;
    return new (class extends SqliteDriver {
      override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
        if (database.inTransaction) await super.rollbackTransaction(connection);
      }

      override async destroy(): Promise<void> {
        await beforeClose?.();
        await super.destroy();
      }
    })(this.config);
  }
}
