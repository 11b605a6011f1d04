/**
 * Data centres (SPEC R13.1): each user's home data centre, and the data centres a client is
 * enabled in. Both null by default: the server's first data centre, and every one.
 */
import type { Kysely, Migration } from 'kysely';

export function dataCentresMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('users').addColumn('dc', 'text').execute();
      // A JSON array of data-centre names, or null for all of them.
      await db.schema.alterTable('clients').addColumn('data_centres', 'text').execute();
    },
  };
}
