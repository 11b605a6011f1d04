/**
 * SPEC R16 (fewer index writes, migration 015): the token tables keep only the indexes their
 * queries use, and every statement the store runs on them still finds its rows through an index.
 * The test runs the store's operations on the token tables, records every statement the driver
 * was given, and asks the database for each one's plan: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's
 * generic plan with sequential scans discouraged (tiny test tables would otherwise be scanned
 * whatever the indexes). A full scan of access_tokens or refresh_tokens fails the test.
 */
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import type { Store } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  HOUR,
  NOW,
  expectIssued,
  hash,
  issueInput,
  mintInput,
  newCode,
  openWithGrant,
} from './fixtures.ts';

const TOKEN_TABLES = /\b(access_tokens|refresh_tokens)\b/;
/** Statements that are not queries of the tables' rows (schema, migrations, locks). */
const NOT_A_QUERY =
  /^\s*(create|drop|alter|pragma|explain|prepare|deallocate|set|begin|commit|rollback|savepoint|release)\b/i;

/** Every operation of the store that reads or writes the token tables, once or more. */
async function exerciseTokenTables(store: Store, zuid: number, clientId: string): Promise<void> {
  const code = newCode(clientId, zuid);
  await store.saveCode(code);
  const { codeHash } = code;
  const issued = issueInput(clientId, zuid, { codeHash });
  const { refreshTokenId } = expectIssued(await store.issueTokens(issued));
  const refreshHash = issued.refreshHash as string;
  expectIssued(await store.issueTokens(issueInput(clientId, zuid, { refresh: false })));
  const standalone = { ...issueInput(clientId, zuid).access, refreshTokenId: null };
  expect(await store.saveAccessToken(standalone, NOW)).toEqual({
    outcome: 'saved',
  });
  // Refreshes past a cap of 1 (the cap's delete), then a rotation and a reuse of the old token.
  for (let i = 0; i < 3; i++)
    expect(
      (await store.mintAccessToken(mintInput(refreshHash, clientId, { accessTokenCap: 1 })))
        .outcome,
    ).toBe('minted');
  const rotated = hash();
  expect(
    (await store.mintAccessToken(mintInput(refreshHash, clientId, { rotateTo: rotated }))).outcome,
  ).toBe('minted');
  expect((await store.mintAccessToken(mintInput(refreshHash, clientId))).outcome).toBe(
    'reused-rotated',
  );
  await store.findAccessToken(issued.accessHash);
  await store.findAccessTokenWithUser(issued.accessHash);
  await store.findRefreshToken(rotated);
  await store.countLiveRefreshTokens(zuid, clientId);
  await store.countLiveAccessTokens(refreshTokenId as number, NOW);
  await store.addRefreshTokenScopes(refreshTokenId as number, clientId, ['openid']);
  await store.recordConsent(zuid, clientId, ['AaaServer.profile.READ'], NOW);
  await store.listConnectedApps(zuid);
  const other = issueInput(clientId, zuid);
  expectIssued(await store.issueTokens(other));
  await store.revokeToken(other.accessHash, clientId);
  await store.revokeToken(other.refreshHash as string, clientId);
  await store.revokeToken(hash());
  await store.revokeTokensFromCode(codeHash);
  await store.sweepExpired(NOW + 2 * HOUR);
  await store.removeConnectedApp(zuid, clientId);
  await store.setUserDisabled(zuid, true);
  await store.deleteClient(clientId);
}

/** The plan lines of one SQLite statement, its parameters bound to null. */
function sqlitePlan(database: SqliteDatabase.Database, text: string): string[] {
  const params = (text.match(/\?/g) ?? []).map(() => null);
  const rows = database.prepare(`explain query plan ${text}`).all(...params) as {
    detail: string;
  }[];
  return rows.map((r) => r.detail);
}

/** The names a statement gives the token tables (themselves and their aliases). */
function tableNames(text: string): string[] {
  const names = new Set(['access_tokens', 'refresh_tokens']);
  for (const m of text.matchAll(
    /\b(?:access_tokens|refresh_tokens)"?\s+(?:as\s+)?"?([a-z_]\w*)"?/gi,
  )) {
    const alias = m[1] as string;
    if (!/^(where|set|values|left|inner|join|on|using|order|limit|group)$/i.test(alias))
      names.add(alias);
  }
  return [...names];
}

/** SQLite: a SCAN of a token table (by any name the statement gives it), even of a whole index. */
function sqliteFullScan(plan: string[], names: string[]): boolean {
  const scan = new RegExp(`^SCAN (${names.join('|')})\\b`);
  return plan.some((line) => scan.test(line.trim()));
}

/**
 * PostgreSQL: a sequential scan of a token table, or an index scan of one without an index
 * condition (a walk through a whole index, filtering rows).
 */
function postgresFullScan(plan: string[]): boolean {
  // Plan nodes are the first line and the lines with an arrow; the lines between are details.
  const isNode = (i: number): boolean => i === 0 || (plan[i] as string).includes('->');
  return plan.some((line, i) => {
    if (!isNode(i)) return false;
    const node = line.trim().replace(/^->\s+/, '');
    if (/^Seq Scan on (access_tokens|refresh_tokens)\b/.test(node)) return true;
    const indexScan =
      /^(Index Scan|Index Only Scan)( Backward)? using \S+ on (access_tokens|refresh_tokens)\b/.test(
        node,
      ) || /^Bitmap Index Scan on (access_tokens|refresh_tokens)_/.test(node);
    if (!indexScan) return false;
    for (let j = i + 1; j < plan.length && !isNode(j); j++)
      if ((plan[j] as string).trim().startsWith('Index Cond:')) return false;
    return true;
  });
}

describe.each(storeKinds)('R16: index use on the token tables, $name', (kind) => {
  let store: Store | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await store?.close();
  });

  it('R16: access_tokens.code_hash is indexed only where a code hash is stored (migration 015)', async () => {
    const opened = await openWithGrant(kind);
    store = opened.store;
    const { db } = store as KyselyStore;
    const definition =
      kind.name === 'sqlite'
        ? await sql<{
            d: string;
          }>`select sql as d from sqlite_master where name = 'access_tokens_code'`.execute(db)
        : await sql<{
            d: string;
          }>`select indexdef as d from pg_indexes where indexname = 'access_tokens_code' and schemaname = current_schema()`.execute(
            db,
          );
    expect(definition.rows[0]?.d).toMatch(/where \(?code_hash is not null\)?/i);
  });

  it('R16: every statement on access_tokens and refresh_tokens finds its rows by an index', async () => {
    const statements = new Set<string>();
    let explain: (text: string) => Promise<string[]>;
    if (kind.name === 'sqlite') {
      const spy = vi.spyOn(SqliteDatabase.prototype, 'prepare');
      const opened = await openWithGrant(kind);
      store = opened.store;
      await exerciseTokenTables(store, opened.user.zuid, opened.client.clientId);
      for (const call of spy.mock.calls) statements.add(String(call[0]));
      const database = spy.mock.contexts.at(-1) as SqliteDatabase.Database;
      spy.mockRestore();
      explain = async (text) => sqlitePlan(database, text);
    } else {
      const spy = vi.spyOn(pg.Client.prototype, 'query');
      const opened = await openWithGrant(kind);
      store = opened.store;
      await exerciseTokenTables(store, opened.user.zuid, opened.client.clientId);
      for (const call of spy.mock.calls) {
        const q = call[0] as unknown;
        statements.add(typeof q === 'string' ? q : String((q as { text?: string }).text));
      }
      spy.mockRestore();
      const { db } = store as KyselyStore;
      explain = (text) =>
        db.connection().execute(async (conn) => {
          const count = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
          const args =
            count === 0 ? '' : `(${Array.from({ length: count }, () => 'null').join(', ')})`;
          await sql`set enable_seqscan = off`.execute(conn);
          await sql`set plan_cache_mode = force_generic_plan`.execute(conn);
          await sql.raw(`prepare tollgate_plan as ${text}`).execute(conn);
          try {
            const plan = await sql
              .raw<{ 'QUERY PLAN': string }>(`explain execute tollgate_plan${args}`)
              .execute(conn);
            return plan.rows.map((r) => r['QUERY PLAN']);
          } finally {
            await sql`deallocate tollgate_plan`.execute(conn);
            await sql`reset enable_seqscan`.execute(conn);
            await sql`reset plan_cache_mode`.execute(conn);
          }
        });
    }
    const onTokens = [...statements].filter((t) => TOKEN_TABLES.test(t) && !NOT_A_QUERY.test(t));
    // The operations above reach at least this many distinct statements on the token tables.
    expect(onTokens.length).toBeGreaterThanOrEqual(25);
    const scans: string[] = [];
    for (const text of onTokens) {
      if (/^\s*insert\b/i.test(text) && !/\bselect\b/i.test(text)) continue;
      const plan = await explain(text);
      const scanned =
        kind.name === 'sqlite' ? sqliteFullScan(plan, tableNames(text)) : postgresFullScan(plan);
      if (scanned) scans.push(`${text}\n  ${plan.join('\n  ')}`);
    }
    expect(scans).toEqual([]);
  });
});
