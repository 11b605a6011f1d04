/**
 * Regression: a full disk inside a SQLite transaction answered 500, because SQLite had already
 * rolled the transaction back and Kysely's ROLLBACK then threw "no transaction is active",
 * hiding SQLITE_FULL (which maps to 503 temporarily_unavailable). `max_page_count` makes the
 * database full without filling a real disk.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/core/errors.ts';
import { isKyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { toOAuthError } from '../../src/server/render-error.ts';
import { storeKinds } from '../helpers/stores.ts';
import { addClient, addUser, hash, HOUR, NOW } from './fixtures.ts';

const sqlite = storeKinds.find((k) => k.name === 'sqlite');

describe('SQLite store with a full disk', () => {
  it('reports SQLITE_FULL (503 temporarily_unavailable), not a failed rollback, and works again once there is room', async () => {
    const store = await sqlite!.open();
    try {
      if (!isKyselyStore(store)) throw new Error('expected the Kysely store');
      const user = await addUser(store);
      const client = await addClient(store);
      const pages =
        (await sql<{ page_count: number }>`pragma page_count`.execute(store.db)).rows[0]
          ?.page_count ?? 0;
      await sql.raw(`pragma max_page_count = ${pages}`).execute(store.db);
      const token = () => ({
        tokenHash: hash(),
        clientId: client.clientId,
        zuid: user.zuid,
        scopes: ['AaaServer.profile.READ'],
        expiresAt: NOW + HOUR,
        refreshTokenId: null,
        codeHash: null,
      });
      let failure: unknown;
      for (let i = 0; i < 20_000 && failure === undefined; i++) {
        await store.saveAccessToken(token(), NOW).catch((error: unknown) => (failure = error));
      }
      expect((failure as { code?: string }).code).toBe('SQLITE_FULL');
      const mapped = toOAuthError(failure);
      expect(mapped).toBeInstanceOf(OAuthError);
      expect([mapped.status, mapped.error, mapped.retryAfter]).toEqual([
        503,
        'temporarily_unavailable',
        5,
      ]);

      await sql.raw(`pragma max_page_count = ${pages * 100}`).execute(store.db);
      await expect(store.saveAccessToken(token(), NOW)).resolves.toEqual({ outcome: 'saved' });
    } finally {
      await store.close();
    }
  });
});
