/**
 * Signing keys for ID tokens (SPEC R13.3) and, later, JWT access tokens (R14.8): one row per key,
 * newest first by `created_at`. A key stops signing when a newer one has been published long
 * enough, and stops being published once the tokens it signed have expired (core/signing-keys.ts).
 */
import type { Kysely, Migration } from 'kysely';

export function signingKeysMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('signing_keys_created')
        .on('signing_keys')
        .column('created_at')
        .execute();
    },
  };
}
