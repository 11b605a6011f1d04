/**
 * The device authorization flow (SPEC R13.2; RFC 8628): one row per device code, keyed by the
 * hash of the device code, with the hash of its user code unique beside it. What the person
 * decided is written here; an approval also writes an authorization code (hashed from the device
 * code), so the tokens come out of the one code-exchange path.
 */
import type { Kysely, Migration } from 'kysely';

export function deviceMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('device_codes')
        .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('offline', 'integer', (c) => c.notNull())
        .addColumn('prompt_consent', 'integer', (c) => c.notNull())
        .addColumn('data_centre', 'text', (c) => c.notNull())
        // pending, approved, denied or ended (too many wrong user codes).
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('zuid', 'bigint')
        .addColumn('interval_ms', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_polled_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('device_codes_expiry')
        .on('device_codes')
        .column('expires_at')
        .execute();
      await db.schema
        .createIndex('device_codes_client')
        .on('device_codes')
        .column('client_id')
        .execute();
    },
  };
}
