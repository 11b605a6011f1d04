/**
 * Bulk loading for the benchmarks: the seed rows whose plaintexts the load generator knows
 * (users, one confidential client, refresh tokens, access tokens, codes). Rows go in directly, not through the Store API: the
 * caps and hashing of the Store are not under test here, only the size of what it searches.
 * The filler tokens are made by bench/fill-tokens.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { generateToken, hashSecret } from '../src/core/ids.ts';
import { hashPassword } from '../src/core/passwords.ts';
import { registerConfidentialClient } from '../src/core/registration.ts';
import { isKyselyStore } from '../src/store/kysely/kysely-store.ts';
import type { Database } from '../src/store/kysely/schema.ts';
import type { Store } from '../src/store/types.ts';

/** The scopes of every seeded grant: user info, and the SalesIQ API's portals and operators. */
export const BENCH_SCOPES = [
  'AaaServer.profile.READ',
  'SalesIQ.portals.ALL',
  'SalesIQ.operators.READ',
];
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** Rows per multi-row insert. */
export const BATCH = 500;

export interface SeedOptions {
  /** Users holding the refresh and access tokens used by the load. */
  users: number;
  /** Refresh tokens per user (at most the cap of 20). */
  refreshPerUser: number;
  /** Access tokens used by user info and introspection. */
  accessTokens: number;
}

export interface Fixtures {
  clientId: string;
  clientSecret: string;
  /** Plaintext refresh tokens of `clientId`. */
  refreshTokens: string[];
  /** Plaintext access tokens of `clientId`, valid for `accessTtlMs`. */
  accessTokens: string[];
  /** Users who receive the codes of the code-exchange case (kept apart from the refresh users). */
  codeUsers: number[];
}

export function kyselyOf(store: Store): Kysely<Database> {
  if (!isKyselyStore(store)) throw new Error('The benchmark loader needs the Kysely store.');
  return store.db;
}

async function insertChunked<T>(
  rows: T[],
  insert: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

/** Users, the bench client, and the tokens the load generator sends (plaintexts returned). */
export async function seedFixtures(
  store: Store,
  options: SeedOptions,
  now = Date.now(),
): Promise<Fixtures> {
  const db = kyselyOf(store);
  // One real scrypt hash shared by every bench user: nobody signs in during the benchmark.
  const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
  const zuids: number[] = [];
  const codeUsers: number[] = [];
  for (let i = 0; i < options.users * 2; i++) {
    const created = await store.createUser(
      {
        email: `bench-${i}-${randomBytes(4).toString('hex')}@example.com`,
        passwordHash,
        firstName: 'Bench',
        lastName: `User ${i}`,
        displayName: `Bench User ${i}`,
      },
      now,
    );
    if (created.outcome !== 'created') throw new Error('bench user emails are unique');
    (i < options.users ? zuids : codeUsers).push(created.user.zuid);
  }
  const { client, clientSecret } = await registerConfidentialClient(
    store,
    {
      name: 'Tollgate benchmark',
      domain: 'http://127.0.0.1',
      redirectUris: [REDIRECT_URI],
      type: 'server',
    },
    null,
    now,
  );
  const scopes = BENCH_SCOPES.join(' ');
  const refreshTokens: string[] = [];
  const refreshRows: Insertable<Database['refresh_tokens']>[] = [];
  for (const zuid of zuids) {
    for (let j = 0; j < options.refreshPerUser; j++) {
      const token = generateToken();
      refreshTokens.push(token);
      refreshRows.push({
        token_hash: hashSecret(token),
        client_id: client.clientId,
        zuid,
        scopes,
        family_id: randomUUID(),
        code_hash: null,
        created_at: now,
        last_used_at: null,
        rotated_at: null,
      });
    }
  }
  const accessTokens: string[] = [];
  const accessRows: Insertable<Database['access_tokens']>[] = [];
  for (let i = 0; i < options.accessTokens; i++) {
    const token = generateToken();
    accessTokens.push(token);
    accessRows.push({
      token_hash: hashSecret(token),
      client_id: client.clientId,
      zuid: zuids[i % zuids.length] ?? 0,
      scopes,
      // Longer than any run; these tokens stand for live ones.
      expires_at: now + 6 * 3600_000,
      refresh_token_id: null,
      code_hash: null,
      created_at: now,
    });
  }
  await db.transaction().execute(async (trx) => {
    await insertChunked(refreshRows, (chunk) =>
      trx.insertInto('refresh_tokens').values(chunk).execute(),
    );
    await insertChunked(accessRows, (chunk) =>
      trx.insertInto('access_tokens').values(chunk).execute(),
    );
  });
  return { clientId: client.clientId, clientSecret, refreshTokens, accessTokens, codeUsers };
}

/** Mints `count` authorization codes for the bench client (offline, so each exchange issues a refresh token too). */
export async function mintCodes(
  store: Store,
  fixtures: Fixtures,
  count: number,
  now = Date.now(),
): Promise<string[]> {
  const db = kyselyOf(store);
  const codes: string[] = [];
  const rows: Database['auth_codes'][] = [];
  for (let i = 0; i < count; i++) {
    const code = generateToken();
    codes.push(code);
    rows.push({
      code_hash: hashSecret(code),
      client_id: fixtures.clientId,
      zuid: fixtures.codeUsers[i % fixtures.codeUsers.length] ?? 0,
      scopes: BENCH_SCOPES.join(' '),
      redirect_uri: REDIRECT_URI,
      offline: 1,
      code_challenge: null,
      code_challenge_method: null,
      state: null,
      description: null,
      expires_at: now + 3600_000,
      created_at: now,
      consumed_at: null,
    });
  }
  await db
    .transaction()
    .execute((trx) =>
      insertChunked(rows, (chunk) => trx.insertInto('auth_codes').values(chunk).execute()),
    );
  return codes;
}
