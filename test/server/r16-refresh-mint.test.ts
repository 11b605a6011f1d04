/**
 * SPEC R16 with R5.3 and R5.5: on PostgreSQL the refresh grant reads its refresh token, counts
 * the throttle's hit, touches the token, writes the access token and applies the access-token cap
 * in one statement after the grant lock (src/store/kysely/mint-pg.ts). Over HTTP, on both stores:
 * the cap keeps exactly the newest tokens, a throttled refresh writes nothing but its hit, and
 * a rotated token's reuse still ends its family. On PostgreSQL the statements a refresh sends are
 * counted (begin, the grant lock and the mint go out in one write), a cap's eviction sends
 * revocation's NOTIFY from the mint's own transaction, and the mint checks the grant is live.
 */
import net from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashSecret } from '../../src/core/ids.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { REVOCATION_CHANNEL } from '../../src/store/kysely/revocations.ts';
import { obtainTokens, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';

const CAP = 2;
const PG_PORT = Number(new URL(process.env.TEST_PG_URL ?? 'postgres://h:5432').port || 5432);
const LIMIT = 4;

const refreshForm = (app: { clientId: string; clientSecret: string }, refreshToken: string) => ({
  grant_type: 'refresh_token',
  client_id: app.clientId,
  client_secret: app.clientSecret,
  refresh_token: refreshToken,
});

/** The refresh token's row: id, when it was last used, and its live access tokens' hashes. */
async function refreshState(server: TestServer, refreshToken: string) {
  const db = (server.store as KyselyStore).db;
  const row = await db
    .selectFrom('refresh_tokens')
    .select(['id', 'last_used_at'])
    .where('token_hash', '=', hashSecret(refreshToken))
    .executeTakeFirstOrThrow();
  const live = await db
    .selectFrom('access_tokens')
    .select('token_hash')
    .where('refresh_token_id', '=', row.id)
    .where('expires_at', '>', server.now())
    .orderBy('id')
    .execute();
  return { lastUsedAt: row.last_used_at, live: live.map((r) => r.token_hash) };
}

/** Writes to PostgreSQL's sockets (system calls: a corked batch of messages is one). */
const pgWrites = { count: 0 };
const socketMethods = net.Socket.prototype as unknown as Record<
  '_write' | '_writev',
  (this: net.Socket, ...args: unknown[]) => unknown
>;
const originalWrites = { _write: socketMethods._write, _writev: socketMethods._writev };

describe.each(storeKinds)('R16: the refresh grant mint on $name', (kind) => {
  let server: TestServer;
  const sent: string[] = [];
  beforeAll(async () => {
    for (const name of ['_write', '_writev'] as const) {
      const original = originalWrites[name];
      socketMethods[name] = function (this: net.Socket, ...args: unknown[]) {
        if (this.remotePort === PG_PORT) pgWrites.count++;
        return original.apply(this, args);
      };
    }
    // Installed before the server opens its pool, so every pooled client's queries pass here.
    const query = pg.Client.prototype.query;
    vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const [first] = args;
      sent.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query);
    server = await startServer(kind, {
      throttle: true,
      refreshMintLimit: LIMIT,
      accessTokensPerRefresh: CAP,
    });
  });
  afterAll(async () => {
    await server.close();
    vi.restoreAllMocks();
    Object.assign(socketMethods, originalWrites);
  });

  // PostgreSQL only: its mint checks the grant itself, being sent with the lock unanswered.
  // (SQLite's one writer reads the grant's tokens last: disabling a user deletes them first.)
  it.runIf(kind.name === 'postgres')(
    'R5.6, R16: on PostgreSQL a refresh for a grant that ended (its user disabled) mints nothing, even with its tokens still stored',
    async () => {
      const app = await server.addClient();
      const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
      const refreshToken = tokens.body.refresh_token as string;
      const before = await refreshState(server, refreshToken);
      // Only the flag: the tokens a disabling revokes are left, so the mint's own check is tested.
      await sql`update users set disabled = 1`.execute((server.store as KyselyStore).db);
      try {
        const res = await postForm(server.url, '/oauth/v2/token', refreshForm(app, refreshToken));
        expect(res.body.access_token).toBeUndefined();
        expect(res.body.error).toBe('invalid_code');
        expect(await refreshState(server, refreshToken)).toEqual(before);
      } finally {
        await sql`update users set disabled = 0`.execute((server.store as KyselyStore).db);
      }
    },
  );

  it('R5.3, R5.5, R16: refreshes keep the newest access tokens up to the cap; past the throttle a refresh writes nothing', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
    const refreshToken = tokens.body.refresh_token as string;
    // The code exchange's access token counts as the first (R5.3).
    const minted = [hashSecret(tokens.body.access_token as string)];
    for (let i = 0; i < LIMIT; i++) {
      server.advance(1_000);
      const sentAt = server.now();
      const res = await postForm(server.url, '/oauth/v2/token', refreshForm(app, refreshToken));
      expect(res.status).toBe(200);
      minted.push(hashSecret(res.body.access_token as string));
      const state = await refreshState(server, refreshToken);
      expect(state.live).toEqual(minted.slice(-CAP));
      expect(state.lastUsedAt).toBeGreaterThanOrEqual(sentAt);
      expect(state.lastUsedAt).toBeLessThanOrEqual(server.now());
    }
    const before = await refreshState(server, refreshToken);
    server.advance(1_000);
    const refused = await postForm(server.url, '/oauth/v2/token', refreshForm(app, refreshToken));
    expect(refused.body.access_token).toBeUndefined();
    expect(refused.body.error).toBe('Access Denied');
    expect(await refreshState(server, refreshToken)).toEqual(before);
  });

  it('R5.3, R16: concurrent refreshes of one token leave exactly the cap live', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
    const refreshToken = tokens.body.refresh_token as string;
    const results = await Promise.all(
      Array.from({ length: LIMIT }, () =>
        postForm(server.url, '/oauth/v2/token', refreshForm(app, refreshToken)),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: LIMIT }, () => 200));
    expect((await refreshState(server, refreshToken)).live).toHaveLength(CAP);
  });

  it.runIf(kind.name === 'postgres')(
    "R16, R15.6: on PostgreSQL a refresh sends client authentication, the token read, then begin, the grant lock, one mint statement and commit; an eviction's NOTIFY comes with the commit",
    async () => {
      const app = await server.addClient();
      const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
      const form = refreshForm(app, tokens.body.refresh_token as string);
      // The first refresh records the grant's use (Connected apps), once a minute.
      expect((await postForm(server.url, '/oauth/v2/token', form)).status).toBe(200);
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
        (server.store as KyselyStore).db,
      );
      const listener = new pg.Client({ connectionString: process.env.TEST_PG_URL });
      await listener.connect();
      try {
        const heard: string[] = [];
        // Other test files' servers notify on the same channel, each with its own schema.
        listener.on('notification', (m) => {
          if (m.payload === rows[0]?.schema) heard.push(`${m.channel} ${m.payload}`);
        });
        await listener.query(`listen ${REVOCATION_CHANNEL}`);
        sent.length = 0;
        pgWrites.count = 0;
        // Past the cap of 2 this refresh evicts the code's access token.
        expect((await postForm(server.url, '/oauth/v2/token', form)).status).toBe(200);
        const kinds = sent.map((text) =>
          /pg_notify/.test(text) && !/^\s*with\b/i.test(text)
            ? 'notify'
            : /pg_advisory/.test(text)
              ? 'grant lock'
              : /^\s*with\b/i.test(text)
                ? 'mint'
                : /from refresh_tokens/.test(text)
                  ? 'token read'
                  : /from \(select 1 as one\) q left join clients/.test(text)
                    ? 'client'
                    : text.split(' ')[0],
        );
        expect(kinds, sent.join('\n')).toEqual([
          'client',
          'token read',
          'begin',
          'grant lock',
          'mint',
          'commit',
        ]);
        // Sent together: begin, the grant lock and the mint are one write; then the commit.
        expect(pgWrites.count, sent.join('\n')).toBe(4);
        await vi.waitFor(() => expect(heard).toEqual([`${REVOCATION_CHANNEL} ${rows[0]?.schema}`]));
      } finally {
        await listener.end();
      }
    },
  );
});
