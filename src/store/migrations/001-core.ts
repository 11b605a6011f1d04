/** The core tables: people, clients, codes, tokens, consents, sessions and throttle counters. */
import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../types.ts';

export function coreMigration(dialect: SqlDialect): Migration {
  // Auto-increment ids give "oldest first" a total order even when two rows share a millisecond.
  const serialId = dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('zuid', 'bigint', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('first_name', 'text', (c) => c.notNull())
        .addColumn('last_name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('owner_zuid', 'bigint', (c) => c.references('users.zuid').onDelete('set null'))
        .addColumn('profile', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('clients_owner').on('clients').column('owner_zuid').execute();

      await db.schema
        .createTable('auth_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('zuid', 'bigint', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text')
        .addColumn('offline', 'integer', (c) => c.notNull())
        .addColumn('code_challenge', 'text')
        .addColumn('code_challenge_method', 'text')
        .addColumn('state', 'text')
        .addColumn('description', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('auth_codes_client')
        .on('auth_codes')
        .column('client_id')
        .execute();

      await db.schema
        .createTable('refresh_tokens')
        .addColumn('id', serialId, (c) =>
          dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('zuid', 'bigint', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('rotated_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('refresh_tokens_user_client')
        .on('refresh_tokens')
        .columns(['zuid', 'client_id', 'id'])
        .execute();
      await db.schema
        .createIndex('refresh_tokens_client')
        .on('refresh_tokens')
        .column('client_id')
        .execute();
      await db.schema
        .createIndex('refresh_tokens_code')
        .on('refresh_tokens')
        .column('code_hash')
        .execute();
      await db.schema
        .createIndex('refresh_tokens_family')
        .on('refresh_tokens')
        .column('family_id')
        .execute();

      await db.schema
        .createTable('access_tokens')
        .addColumn('id', serialId, (c) =>
          dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('zuid', 'bigint', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('refresh_token_id', 'bigint')
        .addColumn('code_hash', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('access_tokens_refresh')
        .on('access_tokens')
        .columns(['refresh_token_id', 'id'])
        .execute();
      await db.schema
        .createIndex('access_tokens_user_client')
        .on('access_tokens')
        .columns(['zuid', 'client_id'])
        .execute();
      await db.schema
        .createIndex('access_tokens_client')
        .on('access_tokens')
        .column('client_id')
        .execute();
      await db.schema
        .createIndex('access_tokens_code')
        .on('access_tokens')
        .column('code_hash')
        .execute();

      await db.schema
        .createTable('consents')
        .addColumn('zuid', 'bigint', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('consents_pk', ['zuid', 'client_id'])
        .execute();
      await db.schema.createIndex('consents_client').on('consents').column('client_id').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('zuid', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('counters')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_end', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
    },
  };
}
