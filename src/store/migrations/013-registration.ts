/**
 * Dynamic registration and Client ID Metadata Documents (SPEC R14.3, R14.4): the client metadata
 * as registered (RFC 7591 §2) or as the client's document stated it, so RFC 7592's read answers
 * with what was registered. The other columns and the `registration_tokens` table came with 009.
 */
import type { Kysely, Migration } from 'kysely';

export function registrationMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      // JSON object of the client's metadata; null for clients made by a person.
      await db.schema.alterTable('clients').addColumn('client_metadata', 'text').execute();
    },
  };
}
