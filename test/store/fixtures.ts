/**
 * Builders for the Store contract suites: a user, a client and tokens in a few lines, with
 * unique random hashes so tests never collide.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import type { StoreKind } from '../helpers/stores.ts';
import type {
  AuthorizationCode,
  Client,
  ClientType,
  IssueTokensInput,
  IssueTokensResult,
  MintAccessTokenInput,
  NewUser,
  Store,
  User,
} from '../../src/store/types.ts';

export const NOW = 1_700_000_000_000;
export const HOUR = 3_600_000;

/** A fresh random stand-in for a SHA-256 hash. */
export function hash(): string {
  return randomBytes(32).toString('hex');
}

/** A new user's fields, with a random email unless one is given. */
export function newUser(email = `${hash().slice(0, 12)}@example.com`): NewUser {
  return {
    email,
    passwordHash: 'scrypt$x',
    firstName: 'Ada',
    lastName: 'Lovelace',
    displayName: 'Ada',
  };
}

export async function addUser(store: Store, email?: string): Promise<User> {
  const result = await store.createUser(newUser(email), NOW);
  if (result.outcome !== 'created') throw new Error(`addUser: ${result.outcome}`);
  return result.user;
}

export function addClient(
  store: Store,
  options: { ownerZuid?: number | null; type?: ClientType; now?: number } = {},
): Promise<Client> {
  return store.createClient(
    {
      clientId: `1000.${hash().slice(0, 30).toUpperCase()}`,
      secretHash: hash(),
      name: 'Demo App',
      domain: 'https://app.example.com',
      type: options.type ?? 'server',
      redirectUris: ['https://app.example.com/callback'],
      ownerZuid: options.ownerZuid ?? null,
      profile: null,
    },
    options.now ?? NOW,
  );
}

export function newCode(
  clientId: string,
  zuid: number,
  overrides: Partial<AuthorizationCode> = {},
): AuthorizationCode {
  return {
    codeHash: hash(),
    clientId,
    zuid,
    scopes: ['AaaServer.profile.READ'],
    redirectUri: 'https://app.example.com/callback',
    offline: true,
    codeChallenge: null,
    codeChallengeMethod: null,
    state: null,
    expiresAt: NOW + 120_000,
    createdAt: NOW,
    description: null,
    resources: [],
    dpopJkt: null,
    nonce: null,
    authTime: null,
    ...overrides,
  };
}

/** The input of a code exchange: an access token and, unless `refresh` is false, a refresh token. */
export function issueInput(
  clientId: string,
  zuid: number,
  options: {
    refresh?: boolean;
    codeHash?: string | null;
    now?: number;
    cap?: number;
    scopes?: string[];
  } = {},
): IssueTokensInput & { accessHash: string; refreshHash: string | null } {
  const accessHash = hash();
  const refreshHash = options.refresh === false ? null : hash();
  return {
    now: options.now ?? NOW,
    access: {
      tokenHash: accessHash,
      clientId,
      zuid,
      scopes: options.scopes ?? ['AaaServer.profile.READ'],
      expiresAt: (options.now ?? NOW) + HOUR,
      codeHash: options.codeHash ?? null,
    },
    refresh: refreshHash === null ? null : { tokenHash: refreshHash, familyId: hash() },
    refreshTokenCap: options.cap ?? 20,
    accessHash,
    refreshHash,
  };
}

/** The input of a refresh grant; no throttle, cap 20 and no rotation unless overridden. */
export function mintInput(
  refreshTokenHash: string,
  clientId: string,
  overrides: Partial<MintAccessTokenInput> = {},
): MintAccessTokenInput {
  const now = overrides.now ?? NOW;
  return {
    now,
    refreshTokenHash,
    clientId,
    access: { tokenHash: hash(), expiresAt: now + HOUR },
    accessTokenCap: 20,
    throttle: null,
    rotateTo: null,
    ...overrides,
  };
}

/** The result of an `issueTokens` expected to issue, narrowed; any other outcome fails the test. */
export function expectIssued(
  result: IssueTokensResult,
): Extract<IssueTokensResult, { outcome: 'issued' }> {
  if (result.outcome !== 'issued') throw new Error(`expected tokens, got ${result.outcome}`);
  return result;
}

/** Issues a refresh token (with its first access token) and returns both hashes and the id. */
export async function issueRefresh(
  store: Store,
  clientId: string,
  zuid: number,
  options: { now?: number; codeHash?: string | null } = {},
): Promise<{ refreshHash: string; accessHash: string; refreshTokenId: number }> {
  const input = issueInput(clientId, zuid, options);
  const { refreshTokenId } = expectIssued(await store.issueTokens(input));
  if (refreshTokenId === null || input.refreshHash === null)
    throw new Error('no refresh token issued');
  return { refreshHash: input.refreshHash, accessHash: input.accessHash, refreshTokenId };
}

/**
 * Rows that outlived what they belong to: access tokens whose refresh token is gone, and
 * refresh tokens or access tokens of a deleted client or user. Reads the tables directly.
 */
export async function countOrphans(store: Store): Promise<number> {
  const { db } = store as KyselyStore;
  const { rows } = await sql<{ n: number }>`
    select
      (select count(*) from access_tokens a
        where a.refresh_token_id is not null
          and not exists (select 1 from refresh_tokens r where r.id = a.refresh_token_id))
      + (select count(*) from access_tokens a
          where not exists (select 1 from clients c where c.client_id = a.client_id))
      + (select count(*) from refresh_tokens r
          where not exists (select 1 from clients c where c.client_id = r.client_id))
      as n`.execute(db);
  return Number(rows[0]?.n);
}

/** Every access token row, live or not, of a refresh token. */
export async function countAccessRows(store: Store, refreshTokenId: number): Promise<number> {
  const { db } = store as KyselyStore;
  const row = await db
    .selectFrom('access_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('refresh_token_id', '=', refreshTokenId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A fresh store of `kind` holding one user and one client: the starting point of most tests. */
export async function openWithGrant(
  kind: StoreKind,
): Promise<{ store: Store; user: User; client: Client }> {
  const store = await kind.open();
  return { store, user: await addUser(store), client: await addClient(store) };
}
