/**
 * Standards for modern and MCP clients (SPEC R14): resource indicators and DPoP bindings on codes
 * and tokens, dynamically registered and metadata-document clients, initial access tokens for
 * registration, and pushed authorization requests.
 */
import type { Kysely, Migration } from 'kysely';

export function standardsMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      // Space-separated resource URIs (RFC 8707) and the DPoP key thumbprint (RFC 9449 cnf.jkt).
      for (const [table, column] of [
        ['auth_codes', 'resources'],
        ['auth_codes', 'dpop_jkt'],
        ['refresh_tokens', 'resources'],
        ['refresh_tokens', 'dpop_jkt'],
        ['access_tokens', 'audience'],
        ['access_tokens', 'dpop_jkt'],
        // How the client came to be: null (console, CLI, admin API), 'dynamic' (RFC 7591) or
        // 'metadata-document' (a Client ID Metadata Document).
        ['clients', 'registration'],
        // RFC 7592: the hash of the registration access token of a dynamically registered client.
        ['clients', 'registration_token_hash'],
        // RFC 9068: 'jwt' or 'opaque' for this client, or null for the server's default.
        ['clients', 'access_token_format'],
      ] as const) {
        await db.schema.alterTable(table).addColumn(column, 'text').execute();
      }

      await db.schema
        .createTable('registration_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();

      await db.schema
        .createTable('pushed_requests')
        .addColumn('uri_hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('pushed_requests_expiry')
        .on('pushed_requests')
        .column('expires_at')
        .execute();
    },
  };
}
