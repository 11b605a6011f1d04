/**
 * SPEC R16: the access-token, user, client and code reads run without the query builder (a statement prepared
 * once on SQLite, a named query on PostgreSQL). They answer exactly what the Kysely queries did
 * (the contract suites in tokens.test.ts and users.test.ts), and never what another operation's
 * open transaction has not committed: on SQLite that transaction holds the one connection, so
 * the read waits for it, as Kysely's reads do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKyselyStore, type KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import type { Client, Store, User } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { HOUR, NOW, expectIssued, hash, issueInput, newCode, openWithGrant } from './fixtures.ts';

describe.each(storeKinds)('hot-path reads on $name', (kind) => {
  let store: Store;
  let user: User;
  let client: Client;
  beforeEach(async () => ({ store, user, client } = await openWithGrant(kind)));
  afterEach(() => store.close());

  it('R16: the access-token and user reads answer the stored rows, and nothing for unknown keys', async () => {
    const input = issueInput(client.clientId, user.zuid, { scopes: ['AaaServer.profile.READ'] });
    const { refreshTokenId } = expectIssued(await store.issueTokens(input));
    expect(await store.findAccessToken(input.accessHash)).toEqual({
      clientId: client.clientId,
      zuid: user.zuid,
      scopes: ['AaaServer.profile.READ'],
      expiresAt: NOW + HOUR,
      refreshTokenId,
      audience: [],
      dpopJkt: null,
    });
    expect(await store.findAccessToken('0'.repeat(64))).toBeUndefined();
    expect(await store.findUser(user.zuid)).toEqual(user);
    expect(await store.findUser(user.zuid + 1_000_000)).toBeUndefined();
  });

  it('R16: the joined read answers the access token with its user, and nothing for an unknown token', async () => {
    const input = issueInput(client.clientId, user.zuid, { scopes: ['AaaServer.profile.READ'] });
    expectIssued(await store.issueTokens(input));
    const token = await store.findAccessToken(input.accessHash);
    expect(await store.findAccessTokenWithUser(input.accessHash)).toEqual({ ...token, user });
    expect(await store.findAccessTokenWithUser('0'.repeat(64))).toBeUndefined();
    expect(await store.setUserDisabled(user.zuid, true)).toBe(true);
    const other = issueInput(client.clientId, user.zuid);
    // Disabling revoked the grant: a token written afterwards behind its back shows the flag.
    await (store as KyselyStore).db
      .insertInto('access_tokens')
      .values({
        token_hash: other.accessHash,
        client_id: client.clientId,
        zuid: user.zuid,
        scopes: 'AaaServer.profile.READ',
        expires_at: NOW + HOUR,
        refresh_token_id: null,
        code_hash: null,
        created_at: NOW,
      })
      .execute();
    const disabled = await store.findAccessTokenWithUser(other.accessHash);
    expect(disabled?.user).toEqual({ ...user, disabled: true });
    // The query-builder fallback (used while a SQLite transaction is open) answers the same.
    const kysely = store as KyselyStore;
    const plain = createKyselyStore(kysely.db, kysely.sqlDialect, undefined, {
      hotSql: kysely.hotSql,
    });
    expect(await plain.findAccessTokenWithUser(other.accessHash)).toEqual(disabled);
    // Disabling the user deleted the first token.
    expect(await plain.findAccessTokenWithUser(input.accessHash)).toBeUndefined();
    expect(await plain.findAccessTokenWithUser('0'.repeat(64))).toBeUndefined();
  });

  it('R16: the client and code reads answer every stored column, and nothing for unknown keys', async () => {
    const updated = await store.updateClient(client.clientId, {
      dataCentres: ['us', 'eu'],
      accessTokenFormat: 'jwt',
    });
    const stored = await store.findClient(client.clientId);
    expect(stored).toEqual({ ...updated, secretHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(stored?.dataCentres).toEqual(['us', 'eu']);
    expect(stored?.accessTokenFormat).toBe('jwt');
    expect(await store.findClient(`${client.clientId}X`)).toBeUndefined();

    const code = newCode(client.clientId, user.zuid, {
      scopes: ['openid', 'AaaServer.profile.READ'],
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      codeChallengeMethod: 'S256',
      state: 'xyz',
      description: 'nightly export',
      resources: ['https://api.example.com/'],
      dpopJkt: 'a'.repeat(43),
      nonce: 'n-0S6_WzA2Mj',
      authTime: NOW - 5_000,
    });
    await store.saveCode(code);
    expect(await store.findCode(code.codeHash)).toEqual(code);
    // A consumed code is still found (the exchange tells a replay from an unknown code).
    await store.consumeCode(code.codeHash, NOW + 1);
    expect(await store.findCode(code.codeHash)).toEqual(code);
    expect(await store.findCode(hash())).toBeUndefined();
  });

  it("R16: the throttle counter's read answers the count and window of the stored row", async () => {
    const key = `clientauth:${client.clientId}`;
    expect(await store.peekCounter(key, NOW)).toEqual({ count: 0, resetAt: NOW });
    await store.hitCounter(key, 60_000, NOW);
    await store.hitCounter(key, 60_000, NOW + 1);
    expect(await store.peekCounter(key, NOW + 2)).toEqual({ count: 2, resetAt: NOW + 60_000 });
    // Once the window has ended, the count starts again.
    expect(await store.peekCounter(key, NOW + 60_000)).toEqual({ count: 0, resetAt: NOW + 60_000 });
  });

  it("R16: client authentication's one read answers the client and its throttle's count", async () => {
    const key = `clientauth:${client.clientId}`;
    const stored = await store.findClient(client.clientId);
    expect(stored).toBeDefined();
    expect(await store.findClientForAuth(client.clientId, key, NOW)).toEqual({
      client: stored,
      throttle: { count: 0, resetAt: NOW },
    });
    await store.hitCounter(key, 60_000, NOW);
    await store.hitCounter(key, 60_000, NOW + 1);
    expect(await store.findClientForAuth(client.clientId, key, NOW + 2)).toEqual({
      client: stored,
      throttle: { count: 2, resetAt: NOW + 60_000 },
    });
    // An unknown client, or none looked up, still has its throttle counted.
    expect(await store.findClientForAuth(`${client.clientId}X`, key, NOW + 2)).toEqual({
      client: undefined,
      throttle: { count: 2, resetAt: NOW + 60_000 },
    });
    expect(await store.findClientForAuth(undefined, key, NOW + 2)).toEqual({
      client: undefined,
      throttle: { count: 2, resetAt: NOW + 60_000 },
    });
    // Once the window has ended, the count starts again.
    expect(await store.findClientForAuth(client.clientId, key, NOW + 60_000)).toEqual({
      client: stored,
      throttle: { count: 0, resetAt: NOW + 60_000 },
    });
  });

  it("R16: a read during another operation's open transaction never sees its uncommitted delete", async () => {
    const input = issueInput(client.clientId, user.zuid);
    expectIssued(await store.issueTokens(input));
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let deleted = (): void => undefined;
    const deletedNow = new Promise<void>((resolve) => {
      deleted = resolve;
    });
    const rolledBack = (store as KyselyStore).db
      .transaction()
      .execute(async (trx) => {
        await trx.deleteFrom('access_tokens').where('token_hash', '=', input.accessHash).execute();
        await trx.deleteFrom('users').where('zuid', '=', user.zuid).execute();
        await trx.deleteFrom('auth_codes').where('code_hash', '=', code.codeHash).execute();
        await trx.deleteFrom('clients').where('client_id', '=', client.clientId).execute();
        deleted();
        await gate;
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    await deletedNow;
    const token = store.findAccessToken(input.accessHash);
    const found = store.findUser(user.zuid);
    const foundCode = store.findCode(code.codeHash);
    const foundClient = store.findClient(client.clientId);
    const authClient = store.findClientForAuth(client.clientId, 'clientauth:x', NOW);
    // Give the reads time to answer from inside the transaction, if they (wrongly) could.
    await sleep(100);
    release();
    expect(await rolledBack).toBe('roll back');
    expect((await token)?.zuid).toBe(user.zuid);
    expect((await found)?.zuid).toBe(user.zuid);
    expect((await foundCode)?.codeHash).toBe(code.codeHash);
    expect((await foundClient)?.clientId).toBe(client.clientId);
    expect((await authClient).client?.clientId).toBe(client.clientId);
  });
});
