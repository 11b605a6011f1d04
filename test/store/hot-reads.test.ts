/**
 * SPEC R16: the access-token and user reads run without the query builder (a statement prepared
 * once on SQLite, a named query on PostgreSQL). They answer exactly what the Kysely queries did
 * (the contract suites in tokens.test.ts and users.test.ts), and never what another operation's
 * open transaction has not committed: on SQLite that transaction holds the one connection, so
 * the read waits for it, as Kysely's reads do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import type { Client, Store, User } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { HOUR, NOW, expectIssued, issueInput, openWithGrant } from './fixtures.ts';

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

  it("R16: a read during another operation's open transaction never sees its uncommitted delete", async () => {
    const input = issueInput(client.clientId, user.zuid);
    expectIssued(await store.issueTokens(input));
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
        deleted();
        await gate;
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    await deletedNow;
    const token = store.findAccessToken(input.accessHash);
    const found = store.findUser(user.zuid);
    // Give the reads time to answer from inside the transaction, if they (wrongly) could.
    await sleep(100);
    release();
    expect(await rolledBack).toBe('roll back');
    expect((await token)?.zuid).toBe(user.zuid);
    expect((await found)?.zuid).toBe(user.zuid);
  });
});
