/**
 * Fewer index writes per token (SPEC R16). Every access token a refresh mints has no code hash,
 * yet the full index on `access_tokens.code_hash` took an entry for each (a NULL key). The only
 * query on that column is `code_hash = ?` (revoking what a replayed code issued), which a partial
 * index `where code_hash is not null` answers just as well, on both dialects; refresh-minted
 * tokens then write one index fewer, and deleting them (the cap of R5.3, the janitor) too.
 *
 * Left as they are, each being what one query needs (the EXPLAIN test in
 * test/store/index-use.test.ts checks every statement on the token tables uses an index):
 * access_tokens: token_hash (every check), (refresh_token_id, id) (cap, counting, rotation),
 * (zuid, client_id) (revoking a grant, disabling a user), client_id (deleting a client),
 * expires_at (the janitor); refresh_tokens: token_hash, (zuid, client_id, id) (cap, grants),
 * client_id (deleting a client), family_id (rotation, reuse detection), and code_hash in full:
 * a rotated refresh token keeps its family's code hash, so a partial index would skip nothing.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function tokenIndexesMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('access_tokens_code').execute();
      await sql`create index access_tokens_code on access_tokens (code_hash) where code_hash is not null`.execute(
        db,
      );
    },
  };
}
