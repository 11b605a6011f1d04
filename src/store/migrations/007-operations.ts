/**
 * Running many instances (SPEC R15): indexes on the expiry columns the janitor sweeps in bounded
 * batches (R15.1), and the audit events table (R15.3).
 */
import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../types.ts';

export function operationsMigration(dialect: SqlDialect): Migration {
  const serialId = dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      // Without these, each batch of the janitor would scan the whole table.
      await db.schema
        .createIndex('auth_codes_expires')
        .on('auth_codes')
        .column('expires_at')
        .execute();
      await db.schema
        .createIndex('access_tokens_expires')
        .on('access_tokens')
        .column('expires_at')
        .execute();
      await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
      await db.schema
        .createIndex('counters_window_end')
        .on('counters')
        .column('window_end')
        .execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', serialId, (c) =>
          dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('zuid', 'bigint')
        .addColumn('client_id', 'text')
        .addColumn('actor', 'text')
        .addColumn('ip', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
      await db.schema
        .createIndex('audit_events_user')
        .on('audit_events')
        .columns(['zuid', 'at'])
        .execute();
    },
  };
}
