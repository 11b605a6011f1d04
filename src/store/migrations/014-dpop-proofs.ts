/**
 * DPoP proofs seen (RFC 9449 §11.1, SPEC R14.7): a proof's `jti` is accepted once, on every
 * instance sharing the database, for as long as its `iat` could still pass; the janitor deletes
 * the rows after that.
 */
import type { Kysely, Migration } from 'kysely';

export function dpopProofsMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('dpop_proofs')
        // SHA-256 of the key thumbprint and the jti: the proof itself is never stored.
        .addColumn('proof_hash', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('dpop_proofs_expiry')
        .on('dpop_proofs')
        .column('expires_at')
        .execute();
    },
  };
}
