/**
 * Admin API keys: long random bearer secrets for scripts that manage clients (issue 3).
 * Only the SHA-256 hash is stored (SPEC R1); the key is printed once by `tollgate admin-key create`.
 */
import { randomBytes } from 'node:crypto';
import { generateOpaque, hashSecret } from './ids.ts';
import type { AdminKey, Store } from '../store/types.ts';

/** Recognisable prefix, so a leaked key is easy to spot in logs and secret scanners. */
export const ADMIN_KEY_PREFIX = 'tgadmin_';

/** Creates a key; the plaintext is returned once. */
export async function createAdminKey(
  store: Store,
  label: string,
  now: number,
): Promise<{ key: string; adminKey: AdminKey }> {
  const key = `${ADMIN_KEY_PREFIX}${generateOpaque(32)}`;
  const adminKey: AdminKey = {
    id: randomBytes(6).toString('hex'),
    label,
    createdAt: now,
    lastUsedAt: null,
  };
  await store.createAdminKey({ ...adminKey, keyHash: hashSecret(key) });
  return { key, adminKey };
}

/** The admin key a presented secret belongs to, or undefined. Lookup is by hash, so no timing leak. */
export async function verifyAdminKey(
  store: Store,
  presented: string,
  now: number,
): Promise<AdminKey | undefined> {
  if (!presented.startsWith(ADMIN_KEY_PREFIX) || presented.length > 200) return undefined;
  return store.useAdminKey(hashSecret(presented), now);
}
