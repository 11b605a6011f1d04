/**
 * When a person's grant to an app was last used (issue 17): code exchange, refresh and token
 * use record it here, at most about once a minute per grant, so *Connected apps* can say "Last
 * used" even for apps whose refresh tokens are gone or that never had one.
 */
import type { Kysely, Migration } from 'kysely';

export function consentLastUsedMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('consents').addColumn('last_used_at', 'bigint').execute();
    },
  };
}
