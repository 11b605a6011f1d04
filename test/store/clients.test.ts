import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { NOW, addClient, addUser, countOrphans, hash, issueRefresh, newCode } from './fixtures.ts';

describe.each(storeKinds)('clients on $name', (kind) => {
  let store: Store;
  beforeEach(async () => {
    store = await kind.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('R2: creates a client and finds it with its secret hash', async () => {
    const owner = await addUser(store);
    const client = await addClient(store, { ownerZuid: owner.zuid, type: 'mobile' });
    expect(client).toMatchObject({
      type: 'mobile',
      redirectUris: ['https://app.example.com/callback'],
      ownerZuid: owner.zuid,
      profile: null,
      createdAt: NOW,
    });
    const found = await store.findClient(client.clientId);
    expect(found).toMatchObject(client);
    expect(found?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.findClient('1000.UNKNOWN')).toBeUndefined();
  });

  it('keeps a client profile override and a client without owner', async () => {
    const client = await store.createClient(
      {
        clientId: '1000.PROFILE',
        secretHash: hash(),
        name: 'Legacy',
        domain: 'https://legacy.example.com',
        type: 'self',
        redirectUris: [],
        ownerZuid: null,
        profile: 'zoho-legacy',
      },
      NOW,
    );
    expect(await store.findClient(client.clientId)).toMatchObject({
      profile: 'zoho-legacy',
      ownerZuid: null,
      redirectUris: [],
    });
  });

  it('refuses a second client with the same client_id', async () => {
    const client = await addClient(store);
    const again = { ...client, secretHash: hash() };
    await expect(store.createClient(again, NOW)).rejects.toThrow();
  });

  it('lists every client oldest first, or only those of one owner', async () => {
    const ada = await addUser(store);
    const bob = await addUser(store);
    const a1 = await addClient(store, { ownerZuid: ada.zuid, now: NOW });
    const b1 = await addClient(store, { ownerZuid: bob.zuid, now: NOW + 1 });
    const a2 = await addClient(store, { ownerZuid: ada.zuid, now: NOW + 2 });
    expect((await store.listClients()).map((c) => c.clientId)).toEqual([
      a1.clientId,
      b1.clientId,
      a2.clientId,
    ]);
    expect((await store.listClients(ada.zuid)).map((c) => c.clientId)).toEqual([
      a1.clientId,
      a2.clientId,
    ]);
    expect(await store.listClients(12345)).toEqual([]);
  });

  it('updates name, domain and redirect URIs, leaving the rest', async () => {
    const client = await addClient(store);
    const updated = await store.updateClient(client.clientId, {
      name: 'Renamed',
      redirectUris: ['https://a.example.com/cb', 'https://b.example.com/cb'],
    });
    expect(updated).toEqual({
      ...client,
      name: 'Renamed',
      redirectUris: ['https://a.example.com/cb', 'https://b.example.com/cb'],
    });
    expect(await store.findClient(client.clientId)).toMatchObject(updated ?? {});
    expect(await store.updateClient(client.clientId, {})).toEqual(updated);
    expect(await store.updateClient('1000.UNKNOWN', { name: 'x' })).toBeUndefined();
  });

  it('R2: rotating the secret replaces its hash', async () => {
    const client = await addClient(store);
    const before = (await store.findClient(client.clientId))?.secretHash;
    const next = hash();
    expect(await store.rotateClientSecret(client.clientId, next)).toBe(true);
    const after = (await store.findClient(client.clientId))?.secretHash;
    expect(after).toBe(next);
    expect(after).not.toBe(before);
    expect(await store.rotateClientSecret('1000.UNKNOWN', next)).toBe(false);
  });

  it('R2: deleting a client revokes every code, token and consent it holds, and no other', async () => {
    const user = await addUser(store);
    const client = await addClient(store);
    const other = await addClient(store);
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    const t = await issueRefresh(store, client.clientId, user.zuid, { codeHash: code.codeHash });
    await store.saveAccessToken(
      {
        tokenHash: 'cc',
        clientId: client.clientId,
        zuid: user.zuid,
        scopes: [],
        expiresAt: NOW + 1,
        refreshTokenId: null,
        codeHash: null,
      },
      NOW,
    );
    await store.recordConsent(user.zuid, client.clientId, ['AaaServer.profile.READ'], NOW);
    const kept = await issueRefresh(store, other.clientId, user.zuid);
    await store.recordConsent(user.zuid, other.clientId, ['AaaServer.profile.READ'], NOW);

    expect(await store.deleteClient(client.clientId)).toBe(true);

    expect(await store.findClient(client.clientId)).toBeUndefined();
    expect(await store.consumeCode(code.codeHash, NOW)).toEqual({ outcome: 'unknown' });
    expect(await store.findAccessToken(t.accessHash)).toBeUndefined();
    expect(await store.findAccessToken('cc')).toBeUndefined();
    expect(await store.findRefreshToken(t.refreshHash)).toBeUndefined();
    expect(await store.findConsent(user.zuid, client.clientId)).toBeUndefined();
    expect(await store.findRefreshToken(kept.refreshHash)).toBeDefined();
    expect(await store.findConsent(user.zuid, other.clientId)).toBeDefined();
    expect(await countOrphans(store)).toBe(0);
    expect(await store.deleteClient(client.clientId)).toBe(false);
  });
});
