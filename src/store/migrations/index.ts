/**
 * The one migration set for SQLite and PostgreSQL. Add a file per change, named by number, and
 * list it here; never edit a migration that has shipped.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { coreMigration } from './001-core.ts';
import { adminKeysMigration } from './002-admin-keys.ts';
import { salesiqMigration } from './003-salesiq.ts';
import { dataCentresMigration } from './005-data-centres.ts';
import { oidcMigration } from './006-oidc.ts';
import { signingKeysMigration } from './006-signing-keys.ts';
import { operationsMigration } from './007-operations.ts';
import { consentLastUsedMigration } from './008-consent-last-used.ts';
import { standardsMigration } from './009-standards.ts';
import { deviceMigration } from './010-device.ts';
import { registrationMigration } from './013-registration.ts';
import { dpopProofsMigration } from './014-dpop-proofs.ts';
import { tokenIndexesMigration } from './015-token-indexes.ts';
import type { SqlDialect } from '../types.ts';

export function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '001-core': coreMigration(dialect),
    '002-admin-keys': adminKeysMigration(),
    '003-salesiq': salesiqMigration(dialect),
    '005-data-centres': dataCentresMigration(),
    '006-oidc': oidcMigration(),
    '006-signing-keys': signingKeysMigration(),
    '007-operations': operationsMigration(dialect),
    '008-consent-last-used': consentLastUsedMigration(),
    '009-standards': standardsMigration(),
    '010-device': deviceMigration(),
    '013-registration': registrationMigration(),
    '014-dpop-proofs': dpopProofsMigration(),
    '015-token-indexes': tokenIndexesMigration(),
  };
}

/**
 * Brings the database up to the latest migration, in one transaction. A small table of its own
 * records what ran. (Kysely's Migrator is not used: it introspects every schema of the database,
 * which breaks when other schemas of a shared PostgreSQL server are dropped meanwhile, as
 * parallel test runs do.) On PostgreSQL an advisory lock, per schema, keeps two instances
 * starting at once from both migrating.
 */
export async function migrateToLatest<T>(db: Kysely<T>, dialect: SqlDialect): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ':tollgate_migrations'))`.execute(
        trx,
      );
    }
    await sql`create table if not exists tollgate_migrations (name text primary key, applied_at bigint not null)`.execute(
      trx,
    );
    const applied = await sql<{ name: string }>`select name from tollgate_migrations`.execute(trx);
    const done = new Set(applied.rows.map((r) => r.name));
    for (const [name, migration] of Object.entries(migrations(dialect)).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      if (done.has(name)) continue;
      try {
        await migration.up(trx);
      } catch (error) {
        throw new Error(`Migration ${name} failed: ${String(error)}`);
      }
      // When a migration ran is wall-clock bookkeeping, not protocol time (the store sits below
      // the clock's layer).
      // eslint-disable-next-line no-restricted-properties
      await sql`insert into tollgate_migrations (name, applied_at) values (${name}, ${Date.now()})`.execute(
        trx,
      );
    }
  });
}

/** Names of the migrations not yet applied to the database (all of them before the first). */
export async function pendingMigrations<T>(db: Kysely<T>, dialect: SqlDialect): Promise<string[]> {
  const applied = await sql<{ name: string }>`select name from tollgate_migrations`.execute(db);
  const done = new Set(applied.rows.map((r) => r.name));
  return Object.keys(migrations(dialect))
    .filter((name) => !done.has(name))
    .sort();
}
