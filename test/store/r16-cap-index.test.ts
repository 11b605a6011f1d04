/**
 * SPEC R16 (PostgreSQL): the access-token cap of a refresh (R5.3) finds the refresh token's
 * newest tokens through the (refresh_token_id, id) index alone. Its `expires_at > now` test once
 * let the planner AND that index with the expiry index, whose range `> now` covers every live
 * token of the table, dead rows included: each refresh read the whole expiry index (about 11,750
 * entries per refresh in a benchmark's store of 11,000 tokens, and more with every refresh while
 * no VACUUM ran; PostgreSQL's CPU per refresh tripled over 35,000 refreshes). The test counts,
 * through PostgreSQL's own statistics, the index entries the refreshes read.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { sql } from 'kysely';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import {
  HOUR,
  NOW,
  addClient,
  addUser,
  countAccessRows,
  issueRefresh,
  mintInput,
} from './fixtures.ts';

const postgres = storeKinds.find((k) => k.name === 'postgres');

interface IndexUse {
  scans: number;
  read: number;
}

/** Index scans and entries read per index of a schema, once the closed store's backends reported them. */
async function indexUse(url: string, schema: string): Promise<Map<string, IndexUse>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      // A backend reports its statistics when it exits; the store's have just been closed.
      const { rows } = await client.query<{ name: string; scans: string; read: string }>(
        `select indexrelname as name, idx_scan as scans, idx_tup_read as read
           from pg_stat_user_indexes where schemaname = $1`,
        [schema],
      );
      const use = new Map(
        rows.map((r) => [r.name, { scans: Number(r.scans), read: Number(r.read) }]),
      );
      if ((use.get('access_tokens_refresh')?.scans ?? 0) > 0 || Date.now() > deadline) return use;
      await client.query('select pg_stat_clear_snapshot()');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}

describe.skipIf(!postgres)('R16: the access-token cap on PostgreSQL', () => {
  let cleanup: (() => Promise<void>) | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await cleanup?.();
  });

  it('R16: refreshes past the cap read their own refresh token’s entries, never the expiry index', async () => {
    const at = await (postgres as NonNullable<typeof postgres>).location();
    cleanup = at.cleanup;
    const schema = new URL(at.location).searchParams.get('schema') as string;
    store = await openStore(at.location);
    const client = await addClient(store);
    // One refresh token for each of 40 people (a person keeps at most 20 per app, R5.3).
    const grants: (Awaited<ReturnType<typeof issueRefresh>> & { zuid: number })[] = [];
    for (let i = 0; i < 40; i++) {
      const user = await addUser(store);
      grants.push({ ...(await issueRefresh(store, client.clientId, user.zuid)), zuid: user.zuid });
    }
    // Other people's live tokens, as in any real table: 20,000 of them.
    const { db } = store as KyselyStore;
    await sql`insert into access_tokens (token_hash, client_id, zuid, scopes, expires_at, created_at, audience)
      select md5(i::text), ${client.clientId}, ${grants[0]?.zuid ?? 0}, 'AaaServer.profile.READ', ${NOW + HOUR}, ${NOW}, ''
      from generate_series(1, 20000) i`.execute(db);
    // 25 refreshes of each of 40 refresh tokens, at once: about 1,000 live tokens in the table,
    // and every refresh past the 20th of its token evicts the oldest.
    await Promise.all(
      grants.map(async ({ refreshHash }) => {
        for (let i = 0; i < 25; i++) {
          const result = await (store as Store).mintAccessToken(
            mintInput(refreshHash, client.clientId),
          );
          expect(result.outcome).toBe('minted');
        }
      }),
    );
    for (const { refreshTokenId } of grants)
      expect(await countAccessRows(store, refreshTokenId)).toBe(20);
    await store.close();
    store = undefined;

    const use = await indexUse(at.location.split('?')[0] as string, schema);
    const byRefresh = use.get('access_tokens_refresh');
    expect(byRefresh?.scans ?? 0).toBeGreaterThan(0);
    expect(use.get('access_tokens_expires')).toEqual({ scans: 0, read: 0 });
    // Each cap reads the newest 20 tokens of its refresh token and what it deletes: a few dozen
    // entries per refresh, never the table (1,000 refreshes, about 1,000 live tokens).
    expect((byRefresh?.read ?? 0) / 1000).toBeLessThan(60);
  });
});
