/**
 * The one migration set for SQLite and PostgreSQL. Add a file per change, named by number, and
 * list it here; never edit a migration that has shipped.
 */
import { Migrator, type Kysely, type Migration } from 'kysely';
import { coreMigration } from './001-core.ts';
import { adminKeysMigration } from './002-admin-keys.ts';
import { salesiqMigration } from './003-salesiq.ts';

export type Dialect = 'sqlite' | 'postgres';

export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001-core': coreMigration(dialect),
    '002-admin-keys': adminKeysMigration(),
    '003-salesiq': salesiqMigration(dialect),
  };
}

/**
 * Brings the database up to the latest migration. On PostgreSQL, `schema` names the schema the
 * store lives in: Kysely looks for its bookkeeping tables in every schema unless told which,
 * and would find another store's.
 */
export async function migrateToLatest<T>(db: Kysely<T>, dialect: Dialect, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations(dialect)) },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
