import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { NOW, HOUR, addClient, addUser, issueRefresh, mintInput, newUser } from './fixtures.ts';

describe.each(storeKinds)('users on $name', (kind) => {
  let store: Store;
  beforeEach(async () => {
    store = await kind.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('creates a user with a positive integer ZUID (R1) and finds it by ZUID and email', async () => {
    const user = await addUser(store, 'ada@example.com');
    expect(Number.isInteger(user.zuid) && user.zuid > 0).toBe(true);
    expect(user).toMatchObject({
      email: 'ada@example.com',
      firstName: 'Ada',
      disabled: false,
      createdAt: NOW,
    });
    expect(await store.findUser(user.zuid)).toEqual(user);
    expect(await store.findUserByEmail('ada@example.com')).toEqual({
      ...user,
      passwordHash: 'scrypt$x',
    });
    expect(await store.findUser(1)).toBeUndefined();
    expect(await store.findUserByEmail('nobody@example.com')).toBeUndefined();
  });

  it('stores emails in lower case and finds them whatever their case', async () => {
    const user = await addUser(store, 'Ada.Lovelace@Example.COM');
    expect(user.email).toBe('ada.lovelace@example.com');
    expect((await store.findUserByEmail('ADA.LOVELACE@example.com'))?.zuid).toBe(user.zuid);
  });

  it('refuses a second user with the same email, also in another case', async () => {
    await addUser(store, 'ada@example.com');
    expect(await store.createUser(newUser('ada@example.com'), NOW)).toEqual({
      outcome: 'email-taken',
    });
    expect(await store.createUser(newUser('ADA@example.com'), NOW)).toEqual({
      outcome: 'email-taken',
    });
    expect(await store.listUsers()).toHaveLength(1);
  });

  it('lists users oldest first', async () => {
    const a = await addUser(store);
    const b = await addUser(store);
    const zuids = (await store.listUsers()).map((u) => u.zuid);
    expect(zuids.sort()).toEqual([a.zuid, b.zuid].sort());
  });

  it('disabling a user ends their sessions, refresh tokens and access tokens', async () => {
    const user = await addUser(store);
    const other = await addUser(store);
    const client = await addClient(store);
    await store.createSession('s1', { zuid: user.zuid, createdAt: NOW, expiresAt: NOW + HOUR });
    await store.createSession('s2', { zuid: other.zuid, createdAt: NOW, expiresAt: NOW + HOUR });
    const mine = await issueRefresh(store, client.clientId, user.zuid);
    const theirs = await issueRefresh(store, client.clientId, other.zuid);

    expect(await store.setUserDisabled(user.zuid, true)).toBe(true);

    expect((await store.findUser(user.zuid))?.disabled).toBe(true);
    expect(await store.findSession('s1', NOW)).toBeUndefined();
    expect(await store.findAccessToken(mine.accessHash)).toBeUndefined();
    expect(await store.findRefreshToken(mine.refreshHash)).toBeUndefined();
    expect(await store.mintAccessToken(mintInput(mine.refreshHash, client.clientId))).toEqual({
      outcome: 'unknown',
    });
    expect(await store.findSession('s2', NOW)).toBeDefined();
    expect(await store.findAccessToken(theirs.accessHash)).toBeDefined();
  });

  it('re-enabling a user lets them sign in again but revives no token', async () => {
    const user = await addUser(store);
    const client = await addClient(store);
    const t = await issueRefresh(store, client.clientId, user.zuid);
    await store.setUserDisabled(user.zuid, true);
    expect(await store.setUserDisabled(user.zuid, false)).toBe(true);
    expect((await store.findUser(user.zuid))?.disabled).toBe(false);
    expect(await store.findRefreshToken(t.refreshHash)).toBeUndefined();
  });

  it('disabling an unknown user reports false', async () => {
    expect(await store.setUserDisabled(12345, true)).toBe(false);
  });
});
