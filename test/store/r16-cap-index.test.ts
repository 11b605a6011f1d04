/**
 * SPEC R16 (PostgreSQL): the caps of R5.2 and R5.3 find their rows through the indexes made for
 * them, however the planner is tempted. Counted through PostgreSQL's own statistics of the
 * store's schema, in a table holding other people's live tokens, as any real one does.
 *
 * - The access-token cap of a refresh: its `expires_at > now` test once let the planner AND the
 *   (refresh_token_id, id) index with the expiry index, whose range `> now` covers every live
 *   token: each refresh read the whole expiry index (about 11,750 entries per refresh in a
 *   benchmark's store of 11,000 tokens; PostgreSQL's CPU per refresh doubled over 25,000
 *   refreshes while no VACUUM ran).
 * - The same cap's delete took every row of the refresh token up to the cut, and its bitmap
 *   scan read each deleted row still in the index (no VACUUM yet) at every refresh: it now starts
 *   at the refresh token's oldest row, found by an index scan that marks dead entries as it goes.
 * - The refresh-token cap of a code exchange: ending an evicted token's family deleted its access
 *   tokens with `refresh_token_id in (select ...)`, which the planner ran as a hash join over a
 *   sequential scan of every access token.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Client, Store } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  HOUR,
  NOW,
  addClient,
  addUser,
  countAccessRows,
  expectIssued,
  issueInput,
  issueRefresh,
  mintInput,
} from './fixtures.ts';

const postgres = storeKinds.find((k) => k.name === 'postgres');

interface Use {
  /** Index scans and entries read, by index name. */
  indexes: Map<string, { scans: number; read: number }>;
  /** Sequential scans, by table name. */
  seqScans: Map<string, number>;
}

/** What the schema's statements read, once the closed store's backends have reported it. */
async function readUse(url: string, schema: string, until: (use: Use) => boolean): Promise<Use> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      // A backend reports its statistics when it exits; the store's have just been closed.
      const indexes = await client.query<{ name: string; scans: string; read: string }>(
        `select indexrelname as name, idx_scan as scans, idx_tup_read as read
           from pg_stat_user_indexes where schemaname = $1`,
        [schema],
      );
      const tables = await client.query<{ name: string; scans: string }>(
        `select relname as name, seq_scan as scans from pg_stat_user_tables where schemaname = $1`,
        [schema],
      );
      const use: Use = {
        indexes: new Map(
          indexes.rows.map((r) => [r.name, { scans: Number(r.scans), read: Number(r.read) }]),
        ),
        seqScans: new Map(tables.rows.map((r) => [r.name, Number(r.scans)])),
      };
      if (until(use) || Date.now() > deadline) return use;
      await client.query('select pg_stat_clear_snapshot()');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}

describe.skipIf(!postgres)('R16: the token caps on PostgreSQL', () => {
  let cleanup: (() => Promise<void>) | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await cleanup?.();
  });

  /** A fresh store with a client and `filler` live access tokens of another person. */
  async function openFilled(filler: number): Promise<{
    store: Store;
    client: Client;
    url: string;
    schema: string;
    location: string;
  }> {
    const at = await (postgres as NonNullable<typeof postgres>).location();
    cleanup = at.cleanup;
    const opened = await openStore(at.location);
    store = opened;
    const client = await addClient(opened);
    const other = await addUser(opened);
    await sql`insert into access_tokens (token_hash, client_id, zuid, scopes, expires_at, created_at, audience)
      select md5(i::text), ${client.clientId}, ${other.zuid}, 'AaaServer.profile.READ', ${NOW + HOUR}, ${NOW}, ''
      from generate_series(1, ${filler}::int) i`.execute((opened as KyselyStore).db);
    const url = new URL(at.location);
    const schema = url.searchParams.get('schema') as string;
    url.search = '';
    return { store: opened, client, url: url.toString(), schema, location: at.location };
  }

  async function closeStore(): Promise<void> {
    await store?.close();
    store = undefined;
  }

  /**
   * `people` new people with a refresh token each, each token refreshed `times` times (the
   * tokens at once, each token's refreshes in turn); then the store is closed and its index use
   * read. Each token keeps its newest 20 access tokens (R5.3).
   */
  async function refreshPastTheCap(
    opened: Store,
    client: Client,
    url: string,
    schema: string,
    people: number,
    times: number,
  ): Promise<Use> {
    const grants: Awaited<ReturnType<typeof issueRefresh>>[] = [];
    for (let i = 0; i < people; i++) {
      const user = await addUser(opened);
      grants.push(await issueRefresh(opened, client.clientId, user.zuid));
    }
    await Promise.all(
      grants.map(async ({ refreshHash }) => {
        for (let i = 0; i < times; i++) {
          const result = await opened.mintAccessToken(mintInput(refreshHash, client.clientId));
          expect(result.outcome).toBe('minted');
        }
      }),
    );
    for (const { refreshTokenId } of grants)
      expect(await countAccessRows(opened, refreshTokenId)).toBe(20);
    await closeStore();
    return readUse(url, schema, (u) => (u.indexes.get('access_tokens_refresh')?.scans ?? 0) > 0);
  }

  it('R16: refreshes past the access-token cap read their own refresh token’s entries, never the expiry index', async () => {
    const { store: opened, client, url, schema } = await openFilled(20_000);
    // 25 refreshes of each of 40 refresh tokens, all at once: every refresh past the 20th of its
    // token evicts the oldest.
    const use = await refreshPastTheCap(opened, client, url, schema, 40, 25);
    const byRefresh = use.indexes.get('access_tokens_refresh');
    expect(byRefresh?.scans ?? 0).toBeGreaterThan(0);
    expect(use.indexes.get('access_tokens_expires')).toEqual({ scans: 0, read: 0 });
    // Each cap reads the newest 20 tokens of its refresh token and what it deletes: a few dozen
    // entries per refresh (1,000 refreshes), never the table's 21,000.
    expect((byRefresh?.read ?? 0) / 1000).toBeLessThan(60);
  });

  it('R16: the cap’s delete reads no more entries as a refresh token’s deleted tokens pile up (no VACUUM)', async () => {
    const { store: opened, client, url, schema } = await openFilled(10_000);
    // The filler belongs to 500 other refresh tokens, 20 each, as in a benchmark's store.
    const { db } = opened as KyselyStore;
    const owner = await addUser(opened);
    await sql`insert into refresh_tokens (token_hash, client_id, zuid, scopes, family_id, created_at)
      select md5('r' || i), ${client.clientId}, ${owner.zuid}, 'AaaServer.profile.READ', md5('f' || i), ${NOW}
      from generate_series(1, 500) i`.execute(db);
    await sql`update access_tokens set refresh_token_id = (select min(id) from refresh_tokens) + (access_tokens.id % 500)`.execute(
      db,
    );
    // 120 refreshes of each of 20 refresh tokens: past the 20th, each deletes the oldest, and the
    // deleted rows stay in the (refresh_token_id, id) index until a VACUUM (none runs here, as on
    // a server between autovacuum passes): up to 100 of them per refresh token.
    const refreshes = 20 * 120;
    const use = await refreshPastTheCap(opened, client, url, schema, 20, 120);
    // The cap reads the newest 20 of its refresh token and the few it deletes (about 21-25
    // entries per refresh). A delete whose range reached down to the refresh token's first
    // token read every deleted one still in the index too: 70 or more per refresh by the end.
    const read = use.indexes.get('access_tokens_refresh')?.read ?? 0;
    expect(read / refreshes).toBeLessThan(40);
  });

  it('R16: code exchanges past the refresh-token cap end the evicted families by index, never a scan of every access token', async () => {
    // A small table, as a young deployment's: the planner's cheapest-looking plan was the scan.
    const { store: filled, client, url, schema, location } = await openFilled(8_000);
    const user = await addUser(filled);
    // Other people's refresh tokens (3,000) and their access tokens: the planner then expects a
    // family to hold several refresh tokens, and a hash join over every access token looks cheap.
    const { db } = filled as KyselyStore;
    await sql`insert into refresh_tokens (token_hash, client_id, zuid, scopes, family_id, created_at)
      select md5('r' || i), ${client.clientId}, ${user.zuid + 1000}, 'AaaServer.profile.READ', md5('f' || i), ${NOW}
      from generate_series(1, 3000) i`.execute(db);
    await sql`update access_tokens set refresh_token_id = (select min(id) from refresh_tokens) + (access_tokens.id % 3000)`.execute(
      db,
    );
    await closeStore();
    // Scans so far (migrations, the filler), once reported; then the store opened again.
    const before = await readUse(url, schema, (u) => u.seqScans.has('access_tokens'));
    const opened = await openStore(location);
    store = opened;
    // 100 exchanges for one person and app: the last 80 each evict the oldest refresh token
    // (past PostgreSQL's first five executions of a prepared statement, planned for their
    // values, into the generic plan it then keeps).
    for (let i = 0; i < 100; i++)
      expectIssued(await opened.issueTokens(issueInput(client.clientId, user.zuid)));
    await closeStore();

    const use = await readUse(
      url,
      schema,
      (u) => (u.indexes.get('refresh_tokens_family')?.scans ?? 0) > 0,
    );
    // Each eviction deleted the family's access tokens (found through access_tokens_refresh).
    expect(use.indexes.get('refresh_tokens_family')?.scans ?? 0).toBeGreaterThanOrEqual(80);
    expect(use.indexes.get('access_tokens_refresh')?.scans ?? 0).toBeGreaterThanOrEqual(80);
    expect(use.seqScans.get('access_tokens')).toBe(before.seqScans.get('access_tokens'));
  });
});
