/**
 * SPEC R16 on PostgreSQL: the hot reads by one key (user info's token with its user,
 * introspection's client and token) asked for by concurrent requests in one turn of the event
 * loop are sent as one statement with an array parameter (src/store/kysely/batched-reads.ts).
 * Over HTTP with the token cache off: each request still gets its own answer (no mix-up between
 * users, unknown and duplicate tokens answered right), a token revoked before a burst is refused
 * in it (revocation stays immediate, R6.3), fewer statements are sent than requests, and a
 * batch whose statement fails answers each of its requests 503 without crashing the process.
 *
 * PostgreSQL only: SQLite's reads are synchronous and cheap, so they are not batched; without
 * TEST_PG_URL this file is skipped (test/helpers/stores.ts says so).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { sql, type Insertable } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateToken, hashSecret } from '../../src/core/ids.ts';
import { hashPassword } from '../../src/core/passwords.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import type { Database } from '../../src/store/kysely/schema.ts';
import { obtainTokens, startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds, withStoreOptions, type StoreKind } from '../helpers/stores.ts';

const postgres = storeKinds.find((k) => k.name === 'postgres');

// Installed before any server opens its pool, so every pooled client's queries pass here.
beforeAll(() => {
  const query = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    const [first, second] = args;
    const config =
      typeof first === 'object' && first !== null ? (first as pg.QueryConfig) : undefined;
    sent.push({
      name: config?.name,
      values: config?.values ?? (Array.isArray(second) ? second : []),
    });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query);
});
afterAll(() => vi.restoreAllMocks());

/** Each statement a pooled client sent: its prepared statement's name and its parameters. */
interface Sent {
  name: string | undefined;
  values: unknown[];
}
const sent: Sent[] = [];

/** A user with one live access token of a fresh app, inserted directly (no sign-in per user). */
interface Holder {
  token: string;
  zuid: number;
  email: string;
}

/** `count` users, each with one live access token carrying AaaServer.profile.READ. */
async function seedHolders(server: TestServer, count: number): Promise<Holder[]> {
  const app = await server.addClient();
  const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
  const holders: Holder[] = [];
  const rows: Insertable<Database['access_tokens']>[] = [];
  for (let i = 0; i < count; i++) {
    const created = await server.store.createUser(
      {
        email: `batch-${i}-${randomBytes(4).toString('hex')}@example.com`,
        passwordHash,
        firstName: 'Batch',
        lastName: `User ${i}`,
        displayName: `Batch User ${i}`,
      },
      server.now(),
    );
    if (created.outcome !== 'created') throw new Error('the emails are unique');
    const token = generateToken();
    holders.push({ token, zuid: created.user.zuid, email: created.user.email });
    rows.push({
      token_hash: hashSecret(token),
      client_id: app.clientId,
      zuid: created.user.zuid,
      scopes: 'AaaServer.profile.READ',
      expires_at: server.now() + 3600_000,
      refresh_token_id: null,
      code_hash: null,
      created_at: server.now(),
    });
  }
  await (server.store as KyselyStore).db.insertInto('access_tokens').values(rows).execute();
  return holders;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Sends every request at the same moment, each on its own connection, and reads each answer.
 * `fetch` opens its connections one by one and the server accepts a new connection's request
 * in a turn of its own, so its burst reaches the server spread over many turns. Here every
 * connection is opened and used once first (GET /health, kept alive), then all the requests
 * are written in one go, as a busy server sees them arrive. Raw HTTP/1.1.
 */
async function burst(
  url: string,
  requests: string[],
): Promise<{ answers: Answer[]; during: Sent[] }> {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(
    requests.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(port), hostname, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  try {
    const warm = await Promise.all(
      sockets.map((socket) => {
        socket.write('GET /health HTTP/1.1\r\nHost: tollgate\r\n\r\n');
        return answerOn(socket);
      }),
    );
    expect(warm.map((a) => a.status)).toEqual(requests.map(() => 200));
    const from = sent.length;
    const answers = Promise.all(sockets.map(answerOn));
    sockets.forEach((socket, i) => socket.write(requests[i]!));
    return { answers: await answers, during: sent.slice(from) };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** The next answer on a kept-alive connection (its body is JSON, sized by Content-Length). */
function answerOn(socket: Socket): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1]);
      if (buffered.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('error', reject);
      const body = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
      resolve({ status: Number(head.slice(9, 12)), body: JSON.parse(body) as Answer['body'] });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** A raw user-info request with a token. */
const userInfo = (token: string) =>
  `GET /oauth/user/info HTTP/1.1\r\nHost: tollgate\r\nAuthorization: Zoho-oauthtoken ${token}\r\n\r\n`;

/** A raw introspection request, its client authenticated by Basic or in the form. */
const introspection = (form: Record<string, string>, authorization?: string) => {
  const body = new URLSearchParams(form).toString();
  return (
    `POST /oauth/v2/introspect HTTP/1.1\r\nHost: tollgate\r\n` +
    (authorization ? `Authorization: ${authorization}\r\n` : '') +
    `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `\r\n${body}`
  );
};

/** The statements of one read: its single-key statement and its batched one. */
const readsOf = (during: Sent[], name: string) =>
  during.filter((s) => s.name === name || s.name === `${name}_batch`);

/** User info's profile for a holder (the zoho profile's field names). */
const profileOf = (h: Holder) =>
  expect.objectContaining({
    status: 200,
    body: expect.objectContaining({ ZUID: h.zuid, Email: h.email }),
  });
const refused = { status: 200, body: { error: { code: 1003, message: expect.any(String) } } };

describe.runIf(postgres)(
  'R16: batched hot reads on PostgreSQL (SQLite reads are synchronous and unbatched: skipped there)',
  () => {
    const kind = postgres as StoreKind;
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(kind, { throttle: false, tokenCacheTtl: 0 });
    });
    afterAll(() => server.close());

    it('R16: 50 concurrent user-info requests each get their own user, in fewer statements than requests', async () => {
      const holders = await seedHolders(server, 50);
      const { answers, during } = await burst(
        server.url,
        holders.map((h) => userInfo(h.token)),
      );
      answers.forEach((answer, i) => expect(answer).toEqual(profileOf(holders[i]!)));
      const reads = readsOf(during, 'tollgate_access_token_user');
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.length).toBeLessThan(holders.length);
      // Every token was asked for, once.
      const asked = reads.flatMap((s) => (Array.isArray(s.values[0]) ? s.values[0] : s.values));
      expect(asked.sort()).toEqual(holders.map((h) => hashSecret(h.token)).sort());
    });

    it('R16, R6.3: a token revoked before a burst is refused in it; the others pass', async () => {
      const holders = await seedHolders(server, 30);
      const revoked = holders[7]!;
      const res = await fetch(`${server.url}/oauth/v2/token/revoke?token=${revoked.token}`, {
        method: 'POST',
      });
      expect(res.status).toBe(200);
      const { answers, during } = await burst(
        server.url,
        holders.map((h) => userInfo(h.token)),
      );
      answers.forEach((answer, i) =>
        expect(answer).toEqual(holders[i] === revoked ? refused : profileOf(holders[i]!)),
      );
      expect(readsOf(during, 'tollgate_access_token_user_batch').length).toBeGreaterThan(0);
    });

    it('R16: unknown tokens, the same token several times and a mix of both in one burst each answer right', async () => {
      const holders = await seedHolders(server, 10);
      const unknown = [generateToken(), generateToken()];
      // Each holder's token three times, each unknown token twice, interleaved.
      const tokens = [
        ...holders.flatMap((h, i) => [h.token, unknown[i % 2]!, h.token, h.token]),
        ...unknown,
      ];
      const { answers, during } = await burst(server.url, tokens.map(userInfo));
      answers.forEach((answer, i) => {
        const holder = holders.find((h) => h.token === tokens[i]);
        expect(answer).toEqual(holder ? profileOf(holder) : refused);
      });
      const batches = readsOf(during, 'tollgate_access_token_user_batch');
      expect(batches.length).toBeGreaterThan(0);
      // A key asked for by several requests of one batch is asked for once.
      for (const batch of batches) {
        const keys = batch.values[0] as string[];
        expect(new Set(keys).size).toBe(keys.length);
      }
    });

    it('R16: concurrent introspections each get their own token, their client read once per batch', async () => {
      const app = await server.addClient();
      const holders = await seedHolders(server, 20);
      const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
      const { answers, during } = await burst(
        server.url,
        holders.map((h) => introspection({ token: h.token }, basic)),
      );
      holders.forEach((h, i) =>
        expect(answers[i]).toEqual({
          status: 200,
          body: expect.objectContaining({ active: true, sub: String(h.zuid) }),
        }),
      );
      expect(readsOf(during, 'tollgate_access_token_batch').length).toBeGreaterThan(0);
      expect(readsOf(during, 'tollgate_client').length).toBeLessThan(holders.length);
    });

    it('R16: at most 100 keys go in one statement; more are asked for in further statements', async () => {
      const holders = await seedHolders(server, 120);
      const unknown = Array.from({ length: 130 }, () => hashSecret(generateToken()));
      const hashes = [...holders.map((h) => hashSecret(h.token)), ...unknown];
      const from = sent.length;
      const found = await Promise.all(hashes.map((hash) => server.store.findAccessToken(hash)));
      const sizes = readsOf(sent.slice(from), 'tollgate_access_token').map(
        (s) => (s.values[0] as string[]).length,
      );
      expect(sizes).toEqual([100, 100, 50]);
      holders.forEach((h, i) => expect(found[i]).toMatchObject({ zuid: h.zuid }));
      expect(found.slice(holders.length)).toEqual(unknown.map(() => undefined));
    });

    it("R16: the refresh grant's reads of refresh tokens made together go in one statement, each answered with its own row", async () => {
      const app = await server.addClient();
      const issued = await Promise.all(
        Array.from({ length: 5 }, () => obtainTokens(server, { ...app, accessType: 'offline' })),
      );
      const hashes = issued.map((t) => hashSecret(t.body.refresh_token as string));
      const unknown = hashSecret(generateToken());
      const from = sent.length;
      const found = await Promise.all(
        [...hashes, unknown, hashes[0] as string].map((h) => server.store.findRefreshToken(h)),
      );
      expect(readsOf(sent.slice(from), 'tollgate_refresh_token')).toHaveLength(1);
      expect(new Set(found.slice(0, 5).map((t) => t?.id)).size).toBe(5);
      // Each the row a read of its own (one statement each, awaited in turn) finds.
      for (const [i, h] of hashes.entries())
        expect(found[i]).toEqual(await server.store.findRefreshToken(h));
      expect(found[5]).toBeUndefined();
      expect(found[6]).toEqual(found[0]);
    });

    it('R16: a key PostgreSQL refuses (a NUL in a client id) fails only its own read, not the others asked for with it', async () => {
      // The HTTP layer refuses such a client id before the store; the store must not rely on it.
      const app = await server.addClient();
      const reads = await Promise.allSettled([
        server.store.findClient(app.clientId),
        server.store.findClient(`${app.clientId}\u0000`),
        server.store.findClient('1000.NOSUCHCLIENT'),
      ]);
      expect(reads[0]).toEqual({
        status: 'fulfilled',
        value: expect.objectContaining({ clientId: app.clientId }),
      });
      expect(reads[1]).toMatchObject({ status: 'rejected', reason: { code: '22021' } });
      expect(reads[2]).toEqual({ status: 'fulfilled', value: undefined });
    });

    it('R16: a key PostgreSQL stores differently (a lone surrogate, sent as U+FFFD) is answered as alone', async () => {
      const app = await server.addClient();
      const odd = `${app.clientId}\uD800`;
      const [alone] = await Promise.all([
        server.store.findClientForAuth(odd, `clientauth:${odd}`, server.now()),
        server.store.findClientForAuth(app.clientId, `clientauth:${app.clientId}`, server.now()),
      ]);
      expect(alone).toEqual({ client: undefined, throttle: expect.objectContaining({ count: 0 }) });
    });
  },
);

describe.runIf(postgres)('R16: batched client authentication on PostgreSQL (throttles on)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(postgres!, { throttle: true, tokenCacheTtl: 0 });
  });
  afterAll(() => server.close());

  it('R16, R5.6: concurrent introspections by several clients each authenticate their own client, with its throttle, in shared statements', async () => {
    const apps = await Promise.all(Array.from({ length: 8 }, () => server.addClient()));
    const holders = await seedHolders(server, 16);
    const basic = (clientId: string, secret: string) =>
      `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
    // Each app introspects two tokens; then a wrong secret and two unknown clients.
    const requests = [
      ...holders.map((h, i) =>
        introspection({ token: h.token }, basic(apps[i % 8]!.clientId, apps[i % 8]!.clientSecret)),
      ),
      introspection({ token: holders[0]!.token }, basic(apps[0]!.clientId, 'wrong-secret')),
      introspection({ token: holders[0]!.token }, basic('1000.NOSUCHCLIENTATALL', 'x')),
      // Too long to be a client id: read with no client id (null), its throttle still counted.
      introspection({ token: holders[0]!.token }, basic('a'.repeat(80), 'x')),
    ];
    const { answers, during } = await burst(server.url, requests);
    holders.forEach((h, i) =>
      expect(answers[i]).toEqual({
        status: 200,
        body: expect.objectContaining({ active: true, sub: String(h.zuid) }),
      }),
    );
    // The zoho profile sends its errors with HTTP 200.
    expect(answers.slice(holders.length)).toEqual([
      { status: 200, body: { error: 'invalid_client_secret' } },
      { status: 200, body: { error: 'invalid_client' } },
      { status: 200, body: { error: 'invalid_client' } },
    ]);
    const reads = readsOf(during, 'tollgate_client_auth');
    expect(readsOf(during, 'tollgate_client_auth_batch').length).toBeGreaterThan(0);
    expect(reads.length).toBeLessThan(requests.length);
  });
});

describe.runIf(postgres)('R16: a failed batch on PostgreSQL', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('R16, R15.5: a batch whose statement fails answers each of its requests 503, and the server serves again after', async () => {
    process.on('unhandledRejection', onUnhandled);
    // A store whose statements are bounded at 200 ms, as `serve --db-statement-timeout 200` opens.
    const bounded = withStoreOptions(postgres!, { statementTimeoutMs: 200 });
    const server = await startServer(bounded, {
      throttle: false,
      tokenCacheTtl: 0,
      dbStatementTimeout: 200,
    });
    const locker = new pg.Client({ connectionString: process.env.TEST_PG_URL });
    await locker.connect();
    try {
      const holders = await seedHolders(server, 20);
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
        (server.store as KyselyStore).db,
      );
      await locker.query('begin');
      await locker.query(`lock table "${rows[0]!.schema}".access_tokens in access exclusive mode`);
      const { answers: down, during } = await burst(
        server.url,
        holders.map((h) => userInfo(h.token)),
      );
      expect(down.map((a) => a.status)).toEqual(holders.map(() => 503));
      // The requests shared batches, and each batch's failure reached each of its requests.
      expect(readsOf(during, 'tollgate_access_token_user_batch').length).toBeGreaterThan(0);
      await locker.query('rollback');
      const { answers: up } = await burst(
        server.url,
        holders.map((h) => userInfo(h.token)),
      );
      up.forEach((answer, i) => expect(answer).toEqual(profileOf(holders[i]!)));
      expect(unhandled).toEqual([]);
    } finally {
      await locker.end();
      await server.close();
    }
  });
});
