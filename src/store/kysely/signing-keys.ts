/**
 * Signing keys (SPEC R13.3): added, never edited, listed newest first. Which key signs and which
 * are published is decided from their creation times by core/signing-keys.ts.
 */
import type { SigningKey, SigningKeyStore } from '../types.ts';
import type { SectionContext } from './context.ts';

/** A key as its table row (the JWKs as JSON text). */
const rowOf = (key: SigningKey) => ({
  kid: key.kid,
  alg: key.alg,
  public_jwk: JSON.stringify(key.publicJwk),
  private_jwk: JSON.stringify(key.privateJwk),
  created_at: key.createdAt,
});

/** The signing keys section of the Kysely store. */
export function createSigningKeyStore({ db }: SectionContext): SigningKeyStore {
  return {
    async addSigningKey(key: SigningKey): Promise<void> {
      await db.insertInto('signing_keys').values(rowOf(key)).execute();
    },

    async addFirstSigningKey(key: SigningKey): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const any = await trx.selectFrom('signing_keys').select('kid').limit(1).executeTakeFirst();
        if (any) return false;
        await trx.insertInto('signing_keys').values(rowOf(key)).execute();
        return true;
      });
    },

    async listSigningKeys(): Promise<SigningKey[]> {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('kid', 'desc')
        .execute();
      return rows.map((row) => ({
        kid: row.kid,
        alg: row.alg as SigningKey['alg'],
        publicJwk: JSON.parse(row.public_jwk) as SigningKey['publicJwk'],
        privateJwk: JSON.parse(row.private_jwk) as SigningKey['privateJwk'],
        createdAt: Number(row.created_at),
      }));
    },
  };
}
