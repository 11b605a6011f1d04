/**
 * DPoP proofs seen (RFC 9449 §11.1, SPEC R14.7): one conditional insert decides whether a proof
 * is new, so two instances never both accept one `jti`.
 */
import type { DpopProofStore } from '../types.ts';
import type { SectionContext } from './context.ts';

/** The DPoP-proofs section of the Kysely store. */
export function createDpopProofStore({ db }: SectionContext): DpopProofStore {
  return {
    async recordDpopProof(proofHash: string, expiresAt: number): Promise<boolean> {
      const result = await db
        .insertInto('dpop_proofs')
        .values({ proof_hash: proofHash, expires_at: expiresAt })
        .onConflict((oc) => oc.column('proof_hash').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
  };
}
