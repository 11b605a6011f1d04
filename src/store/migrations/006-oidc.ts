/**
 * OpenID Connect (SPEC R13.3): an authorization code remembers the request's `nonce` and when the
 * person signed in (`auth_time`), for the ID token of its exchange.
 */
import type { Kysely, Migration } from 'kysely';

export function oidcMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('auth_codes').addColumn('nonce', 'text').execute();
      await db.schema.alterTable('auth_codes').addColumn('auth_time', 'bigint').execute();
    },
  };
}
