import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client, Store, User } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  HOUR,
  NOW,
  addClient,
  addUser,
  countOrphans,
  issueInput,
  issueRefresh,
  mintInput,
  newCode,
  openWithGrant,
} from './fixtures.ts';

describe.each(storeKinds)('consents and connected apps on $name', (kind) => {
  let store: Store;
  let user: User;
  let client: Client;
  beforeEach(async () => ({ store, user, client } = await openWithGrant(kind)));
  afterEach(() => store.close());

  it('R5.1: the first recordConsent of a user to a client reports first, later ones do not', async () => {
    expect(await store.findConsent(user.zuid, client.clientId)).toBeUndefined();
    expect(
      await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW),
    ).toEqual({ first: true });
    expect(
      await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW + 1),
    ).toEqual({ first: false });
    const other = await addClient(store);
    expect(
      await store.recordConsent(user.zuid, other.clientId, ['AaaServer.profile.READ'], NOW),
    ).toEqual({ first: true });
  });

  it('issue 17: recordGrantUse sets the grant last use, never moves it back, and ignores a grant that does not exist', async () => {
    await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW);
    const lastUsed = async () =>
      (await store.listConnectedApps(user.zuid)).find((a) => a.client.clientId === client.clientId)
        ?.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await store.recordGrantUse(user.zuid, client.clientId, NOW + HOUR);
    expect(await lastUsed()).toBe(NOW + HOUR);
    await store.recordGrantUse(user.zuid, client.clientId, NOW + 1);
    expect(await lastUsed()).toBe(NOW + HOUR);
    const other = await addClient(store);
    await store.recordGrantUse(user.zuid, other.clientId, NOW);
    expect(await store.findConsent(user.zuid, other.clientId)).toBeUndefined();
  });

  it('R3.4: consent merges the scopes granted over time, keeping when it was first granted', async () => {
    await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW);
    await store.recordConsent(
      user.zuid,
      client.clientId,
      ['SalesIQ.portals.READ', 'AaaServer.profile.READ'],
      NOW + 5,
    );
    expect(await store.findConsent(user.zuid, client.clientId)).toEqual({
      zuid: user.zuid,
      clientId: client.clientId,
      scopes: ['AaaServer.profile.READ', 'SalesIQ.portals.READ'],
      grantedAt: NOW,
      updatedAt: NOW + 5,
    });
  });

  it('R9: listConnectedApps gives each app its scopes, grant time, last use and live refresh tokens', async () => {
    const other = await addClient(store, { now: NOW + 1 });
    await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW);
    await store.recordConsent(user.zuid, other.clientId, ['SalesIQ.portals.READ'], NOW + 10);
    const t = await issueRefresh(store, client.clientId, user.zuid);
    await issueRefresh(store, client.clientId, user.zuid);
    await store.mintAccessToken(mintInput(t.refreshHash, client.clientId, { now: NOW + 500 }));

    const apps = await store.listConnectedApps(user.zuid);

    expect(apps).toEqual([
      {
        client: other,
        scopes: ['SalesIQ.portals.READ'],
        grantedAt: NOW + 10,
        lastUsedAt: null,
        liveRefreshTokens: 0,
      },
      {
        client,
        scopes: ['AaaServer.profile.READ'],
        grantedAt: NOW,
        lastUsedAt: NOW + 500,
        liveRefreshTokens: 2,
      },
    ]);
    expect(await store.listConnectedApps((await addUser(store)).zuid)).toEqual([]);
  });

  it('R9: a rotated refresh token is not counted as live in connected apps', async () => {
    await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW);
    const t = await issueRefresh(store, client.clientId, user.zuid);
    await store.mintAccessToken(
      mintInput(t.refreshHash, client.clientId, { rotateTo: 'gen-2', now: NOW + 7 }),
    );
    const [app] = await store.listConnectedApps(user.zuid);
    expect(app).toMatchObject({ liveRefreshTokens: 1, lastUsedAt: NOW + 7 });
  });

  it("R9: removing a connected app revokes the user's codes and tokens for it and forgets the consent", async () => {
    const bob = await addUser(store);
    await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW);
    await store.recordConsent(bob.zuid, client.clientId, ['AaaServer.profile.READ'], NOW);
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    const mine = await issueRefresh(store, client.clientId, user.zuid);
    const online = issueInput(client.clientId, user.zuid, { refresh: false });
    await store.issueTokens(online);
    const bobs = await issueRefresh(store, client.clientId, bob.zuid);

    expect(await store.removeConnectedApp(user.zuid, client.clientId)).toBe(true);

    expect(await store.listConnectedApps(user.zuid)).toEqual([]);
    expect(await store.findConsent(user.zuid, client.clientId)).toBeUndefined();
    expect(await store.findRefreshToken(mine.refreshHash)).toBeUndefined();
    expect(await store.findAccessToken(mine.accessHash)).toBeUndefined();
    expect(await store.findAccessToken(online.accessHash)).toBeUndefined();
    expect(await store.consumeCode(code.codeHash, NOW)).toEqual({ outcome: 'unknown' });
    expect(await store.findRefreshToken(bobs.refreshHash)).toBeDefined();
    expect(await store.findConsent(bob.zuid, client.clientId)).toBeDefined();
    expect(await countOrphans(store)).toBe(0);
    expect(await store.removeConnectedApp(user.zuid, client.clientId)).toBe(false);
  });

  it('R5.1: after removing an app, the next consent is a first consent again', async () => {
    await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW);
    await store.removeConnectedApp(user.zuid, client.clientId);
    expect(
      await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW + 1),
    ).toEqual({ first: true });
  });
});

describe.each(storeKinds)('sessions on $name', (kind) => {
  let store: Store;
  let user: User;
  beforeEach(async () => {
    store = await kind.open();
    user = await addUser(store);
  });
  afterEach(async () => {
    await store.close();
  });

  it('finds a session until it expires', async () => {
    const session = { zuid: user.zuid, createdAt: NOW, expiresAt: NOW + HOUR };
    await store.createSession('sid', session);
    expect(await store.findSession('sid', NOW)).toEqual(session);
    expect(await store.findSession('sid', NOW + HOUR - 1)).toEqual(session);
    expect(await store.findSession('sid', NOW + HOUR)).toBeUndefined();
    expect(await store.findSession('other', NOW)).toBeUndefined();
  });

  it('deleting a session signs it out', async () => {
    await store.createSession('sid', { zuid: user.zuid, createdAt: NOW, expiresAt: NOW + HOUR });
    await store.deleteSession('sid');
    expect(await store.findSession('sid', NOW)).toBeUndefined();
    await store.deleteSession('sid');
  });

  it("a disabled user's session is not found, even one created after disabling", async () => {
    await store.setUserDisabled(user.zuid, true);
    await store.createSession('late', { zuid: user.zuid, createdAt: NOW, expiresAt: NOW + HOUR });
    expect(await store.findSession('late', NOW)).toBeUndefined();
  });
});

describe.each(storeKinds)('counters on $name', (kind) => {
  let store: Store;
  beforeEach(async () => {
    store = await kind.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('R5.5: hitCounter counts within a fixed window and restarts at 1 when it ends', async () => {
    expect(await store.hitCounter('k', 1000, NOW)).toEqual({ count: 1, resetAt: NOW + 1000 });
    expect(await store.hitCounter('k', 1000, NOW + 500)).toEqual({ count: 2, resetAt: NOW + 1000 });
    expect(await store.hitCounter('k', 1000, NOW + 999)).toEqual({ count: 3, resetAt: NOW + 1000 });
    expect(await store.hitCounter('k', 1000, NOW + 1000)).toEqual({
      count: 1,
      resetAt: NOW + 2000,
    });
  });

  it('R5.5: counters are independent per key', async () => {
    await store.hitCounter('a', 1000, NOW);
    await store.hitCounter('a', 1000, NOW);
    expect(await store.hitCounter('b', 1000, NOW)).toEqual({ count: 1, resetAt: NOW + 1000 });
  });

  it('peekCounter reads without counting, and reads zero once the window ended', async () => {
    expect(await store.peekCounter('k', NOW)).toEqual({ count: 0, resetAt: NOW });
    await store.hitCounter('k', 1000, NOW);
    await store.hitCounter('k', 1000, NOW);
    expect(await store.peekCounter('k', NOW + 10)).toEqual({ count: 2, resetAt: NOW + 1000 });
    expect(await store.peekCounter('k', NOW + 10)).toEqual({ count: 2, resetAt: NOW + 1000 });
    expect(await store.peekCounter('k', NOW + 1000)).toEqual({ count: 0, resetAt: NOW + 1000 });
  });

  it('resetCounter starts the count over', async () => {
    await store.hitCounter('k', 1000, NOW);
    await store.hitCounter('k', 1000, NOW);
    await store.resetCounter('k');
    expect(await store.peekCounter('k', NOW)).toEqual({ count: 0, resetAt: NOW });
    expect(await store.hitCounter('k', 1000, NOW + 1)).toEqual({ count: 1, resetAt: NOW + 1001 });
    await store.resetCounter('never-hit');
  });
});
