/**
 * The store's part of SPEC R13.2 (device flow, RFC 8628): polls recorded by one conditional
 * statement (slow_down holds across instances), a pending code settled once, an approval that
 * writes the code its tokens come from, client deletion and the janitor. SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client, DeviceCode, Store, User } from '../../src/store/types.ts';
import { CODE_REPLAY_GRACE_MS } from '../../src/store/kysely/janitor.ts';
import { storeKinds } from '../helpers/stores.ts';
import { NOW, hash, newCode, openWithGrant } from './fixtures.ts';

function newDeviceCode(clientId: string, overrides: Partial<DeviceCode> = {}): DeviceCode {
  return {
    deviceCodeHash: hash(),
    userCodeHash: hash(),
    clientId,
    scopes: ['AaaServer.profile.READ'],
    offline: true,
    promptConsent: false,
    dataCentre: 'us',
    status: 'pending',
    zuid: null,
    intervalMs: 5_000,
    expiresAt: NOW + 300_000,
    createdAt: NOW,
    lastPolledAt: null,
    ...overrides,
  };
}

describe.each(storeKinds)('R13.2 device codes in the store ($name)', (kind) => {
  let store: Store;
  let user: User;
  let client: Client;
  beforeEach(async () => ({ store, user, client } = await openWithGrant(kind)));
  afterEach(() => store.close());

  it('R13.2: a saved device code is found by its user code, with every field', async () => {
    const code = newDeviceCode(client.clientId, { offline: false, promptConsent: true });
    await store.saveDeviceCode(code);
    expect(await store.findDeviceCodeByUserCode(code.userCodeHash)).toEqual(code);
    expect(await store.findDeviceCodeByUserCode(hash())).toBeUndefined();
  });

  it('R13.2: a poll within the gap is too-soon and records nothing; after the gap it is polled', async () => {
    const code = newDeviceCode(client.clientId);
    await store.saveDeviceCode(code);
    const first = await store.pollDeviceCode(code.deviceCodeHash, client.clientId, NOW, 5_000);
    expect(first).toMatchObject({ outcome: 'polled', deviceCode: { lastPolledAt: NOW } });
    const soon = await store.pollDeviceCode(
      code.deviceCodeHash,
      client.clientId,
      NOW + 4_999,
      5_000,
    );
    expect(soon).toMatchObject({ outcome: 'too-soon', deviceCode: { lastPolledAt: NOW } });
    const later = await store.pollDeviceCode(
      code.deviceCodeHash,
      client.clientId,
      NOW + 5_000,
      5_000,
    );
    expect(later).toMatchObject({ outcome: 'polled', deviceCode: { lastPolledAt: NOW + 5_000 } });
    expect(await store.pollDeviceCode(hash(), client.clientId, NOW, 5_000)).toEqual({
      outcome: 'unknown',
    });
    // Another client's poll is refused without touching the code's last poll.
    expect(
      await store.pollDeviceCode(code.deviceCodeHash, '1000.OTHER', NOW + 99_000, 5_000),
    ).toEqual({ outcome: 'unknown' });
    expect(
      await store.pollDeviceCode(code.deviceCodeHash, client.clientId, NOW + 9_000, 5_000),
    ).toMatchObject({ outcome: 'too-soon' });
  });

  it('R13.2: two polls at once: exactly one is let in (slow_down for the other)', async () => {
    const code = newDeviceCode(client.clientId);
    await store.saveDeviceCode(code);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        store.pollDeviceCode(code.deviceCodeHash, client.clientId, NOW, 5_000),
      ),
    );
    expect(results.filter((r) => r.outcome === 'polled')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'too-soon')).toHaveLength(5);
  });

  it('R13.2: an approval settles the code once and writes its authorization code', async () => {
    const code = newDeviceCode(client.clientId);
    await store.saveDeviceCode(code);
    const grant = newCode(client.clientId, user.zuid, { redirectUri: null });
    const settled = await store.settleDeviceCode(code.deviceCodeHash, NOW + 1, { approve: grant });
    expect(settled).toMatchObject({
      outcome: 'settled',
      deviceCode: { status: 'approved', zuid: user.zuid },
    });
    expect(await store.findCode(grant.codeHash)).toMatchObject({
      clientId: client.clientId,
      zuid: user.zuid,
      redirectUri: null,
    });
    const again = await store.settleDeviceCode(code.deviceCodeHash, NOW + 2, {
      deny: { zuid: user.zuid },
    });
    expect(again).toMatchObject({ outcome: 'not-pending', deviceCode: { status: 'approved' } });
  });

  it('R13.2: deny and end settle a pending code; an expired or unknown code is not settled', async () => {
    const denied = newDeviceCode(client.clientId);
    const ended = newDeviceCode(client.clientId);
    const expired = newDeviceCode(client.clientId, { expiresAt: NOW });
    for (const c of [denied, ended, expired]) await store.saveDeviceCode(c);
    expect(
      await store.settleDeviceCode(denied.deviceCodeHash, NOW, { deny: { zuid: user.zuid } }),
    ).toMatchObject({ outcome: 'settled', deviceCode: { status: 'denied', zuid: user.zuid } });
    expect(await store.settleDeviceCode(ended.deviceCodeHash, NOW, { end: true })).toMatchObject({
      outcome: 'settled',
      deviceCode: { status: 'ended', zuid: null },
    });
    const grant = newCode(client.clientId, user.zuid);
    expect(
      await store.settleDeviceCode(expired.deviceCodeHash, NOW, { approve: grant }),
    ).toMatchObject({ outcome: 'not-pending', deviceCode: { status: 'pending' } });
    // Nothing was written for the refused approval.
    expect(await store.findCode(grant.codeHash)).toBeUndefined();
    expect(await store.settleDeviceCode(hash(), NOW, { end: true })).toEqual({
      outcome: 'unknown',
    });
  });

  it('R13.2: deleting the client deletes its device codes', async () => {
    const code = newDeviceCode(client.clientId);
    await store.saveDeviceCode(code);
    expect(await store.deleteClient(client.clientId)).toBe(true);
    expect(await store.findDeviceCodeByUserCode(code.userCodeHash)).toBeUndefined();
  });

  it('R15.1: the janitor deletes device codes an hour past expiry, and no live one', async () => {
    const gone = newDeviceCode(client.clientId, { expiresAt: NOW - CODE_REPLAY_GRACE_MS });
    const recent = newDeviceCode(client.clientId, { expiresAt: NOW - 1 });
    const live = newDeviceCode(client.clientId);
    for (const c of [gone, recent, live]) await store.saveDeviceCode(c);
    expect(await store.sweepExpired(NOW)).toMatchObject({
      outcome: 'swept',
      deleted: { device_codes: 1 },
    });
    expect(await store.findDeviceCodeByUserCode(gone.userCodeHash)).toBeUndefined();
    expect(await store.findDeviceCodeByUserCode(recent.userCodeHash)).toEqual(recent);
    expect(await store.findDeviceCodeByUserCode(live.userCodeHash)).toEqual(live);
  });
});
