/**
 * Operators' keys for the admin JSON API (SPEC R1): stored by hash, stamped when used.
 */
import type { AdminKey, AdminKeyStore } from '../types.ts';
import type { SectionContext } from './context.ts';

/** The admin keys section of the Kysely store. */
export function createAdminKeyStore({ db }: SectionContext): AdminKeyStore {
  return {
    async createAdminKey(key: AdminKey & { keyHash: string }): Promise<void> {
      await db
        .insertInto('admin_keys')
        .values({
          id: key.id,
          key_hash: key.keyHash,
          label: key.label,
          created_at: key.createdAt,
          last_used_at: key.lastUsedAt,
        })
        .execute();
    },

    async useAdminKey(keyHash: string, now: number): Promise<AdminKey | undefined> {
      const row = await db
        .selectFrom('admin_keys')
        .selectAll()
        .where('key_hash', '=', keyHash)
        .executeTakeFirst();
      if (!row) return undefined;
      await db
        .updateTable('admin_keys')
        .set({ last_used_at: now })
        .where('id', '=', row.id)
        .execute();
      return { id: row.id, label: row.label, createdAt: Number(row.created_at), lastUsedAt: now };
    },
  };
}
