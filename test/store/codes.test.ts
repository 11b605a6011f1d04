import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client, Store, User } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  HOUR,
  NOW,
  hash,
  issueInput,
  issueRefresh,
  mintInput,
  newCode,
  openWithGrant,
} from './fixtures.ts';

describe.each(storeKinds)('authorization codes on $name', (kind) => {
  let store: Store;
  let user: User;
  let client: Client;
  beforeEach(async () => ({ store, user, client } = await openWithGrant(kind)));
  afterEach(() => store.close());

  it('R4.4: the first consumeCode of a code gets it back whole, as saved', async () => {
    const code = newCode(client.clientId, user.zuid, {
      scopes: ['SalesIQ.portals.READ', 'AaaServer.profile.READ'],
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      codeChallengeMethod: 'S256',
      state: 'xyz',
      offline: false,
    });
    await store.saveCode(code);
    expect(await store.consumeCode(code.codeHash, NOW + 5)).toEqual({ outcome: 'consumed', code });
  });

  it('R2: a self-client code keeps its description and no redirect URI', async () => {
    const code = newCode(client.clientId, user.zuid, {
      redirectUri: null,
      description: 'nightly export',
      expiresAt: NOW + 600_000,
    });
    await store.saveCode(code);
    expect(await store.consumeCode(code.codeHash, NOW)).toEqual({ outcome: 'consumed', code });
  });

  it('R4.4: a code consumed twice reports replayed, with the code', async () => {
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    await store.consumeCode(code.codeHash, NOW);
    expect(await store.consumeCode(code.codeHash, NOW + 1)).toEqual({ outcome: 'replayed', code });
    expect(await store.consumeCode(code.codeHash, NOW + 2)).toEqual({ outcome: 'replayed', code });
  });

  it('R4.4: a replay that revokes the code before its first exchange issues tokens leaves no tokens', async () => {
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    expect((await store.consumeCode(code.codeHash, NOW + 1)).outcome).toBe('consumed');
    expect((await store.consumeCode(code.codeHash, NOW + 2)).outcome).toBe('replayed');
    await store.revokeTokensFromCode(code.codeHash);
    const input = issueInput(client.clientId, user.zuid, { codeHash: code.codeHash });
    expect(await store.issueTokens(input)).toEqual({
      outcome: 'grant-revoked',
      reason: 'code-revoked',
    });
    expect(await store.findAccessToken(input.accessHash)).toBeUndefined();
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(0);
  });

  it('R4.4: an unknown code reports unknown', async () => {
    expect(await store.consumeCode('no-such-code', NOW)).toEqual({ outcome: 'unknown' });
  });

  it('R3.6: consumeCode leaves expiry to the caller and still consumes an expired code once', async () => {
    const code = newCode(client.clientId, user.zuid, { expiresAt: NOW - 1 });
    await store.saveCode(code);
    expect((await store.consumeCode(code.codeHash, NOW)).outcome).toBe('consumed');
    expect((await store.consumeCode(code.codeHash, NOW)).outcome).toBe('replayed');
  });

  it('R4.4: revokeTokensFromCode revokes the refresh token, every access token minted from it, and no other', async () => {
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    const t = await issueRefresh(store, client.clientId, user.zuid, { codeHash: code.codeHash });
    const minted = mintInput(t.refreshHash, client.clientId);
    await store.mintAccessToken(minted);
    const other = await issueRefresh(store, client.clientId, user.zuid);

    expect(await store.revokeTokensFromCode(code.codeHash)).toBe(3);

    expect(await store.findRefreshToken(t.refreshHash)).toBeUndefined();
    expect(await store.findAccessToken(t.accessHash)).toBeUndefined();
    expect(await store.findAccessToken(minted.access.tokenHash)).toBeUndefined();
    expect(await store.findRefreshToken(other.refreshHash)).toBeDefined();
    expect(await store.findAccessToken(other.accessHash)).toBeDefined();
    expect(await store.revokeTokensFromCode(code.codeHash)).toBe(0);
  });

  it("R4.4: revokeTokensFromCode revokes an online exchange's lone access token", async () => {
    const code = newCode(client.clientId, user.zuid, { offline: false });
    await store.saveCode(code);
    const input = issueInput(client.clientId, user.zuid, {
      refresh: false,
      codeHash: code.codeHash,
    });
    await store.issueTokens(input);
    expect(await store.revokeTokensFromCode(code.codeHash)).toBe(1);
    expect(await store.findAccessToken(input.accessHash)).toBeUndefined();
  });

  it("R4.5: revokeTokensFromCode also revokes the rotated descendants of a public client's token", async () => {
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    const t = await issueRefresh(store, client.clientId, user.zuid, { codeHash: code.codeHash });
    const rotated = mintInput(t.refreshHash, client.clientId, { rotateTo: 'next-hash' });
    await store.mintAccessToken(rotated);
    await store.revokeTokensFromCode(code.codeHash);
    expect(await store.findRefreshToken('next-hash')).toBeUndefined();
    expect(await store.findAccessToken(rotated.access.tokenHash)).toBeUndefined();
  });
});

describe.each(storeKinds)('redeemCode (the code exchange in one transaction) on $name', (kind) => {
  let store: Store;
  let user: User;
  let client: Client;
  beforeEach(async () => ({ store, user, client } = await openWithGrant(kind)));
  afterEach(() => store.close());

  const issue = (accessHash = hash(), refresh: string | null = hash()) => ({
    issue: {
      access: { tokenHash: accessHash, expiresAt: NOW + HOUR },
      refresh: refresh === null ? null : { tokenHash: refresh, familyId: hash() },
      refreshTokenCap: 20,
    },
  });

  it("R4.4: consumes the code and issues its tokens with the code's client, user and scopes", async () => {
    const code = newCode(client.clientId, user.zuid, { scopes: ['SalesIQ.portals.READ'] });
    await store.saveCode(code);
    const accessHash = hash();
    const result = await store.redeemCode({
      codeHash: code.codeHash,
      now: NOW,
      decide: () => issue(accessHash),
    });
    expect(result).toMatchObject({ outcome: 'issued', code, evicted: 0 });
    expect(await store.findAccessToken(accessHash)).toMatchObject({
      clientId: client.clientId,
      zuid: user.zuid,
      scopes: ['SalesIQ.portals.READ'],
    });
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(1);
    expect(
      await store.redeemCode({ codeHash: code.codeHash, now: NOW, decide: () => issue() }),
    ).toEqual({ outcome: 'replayed', code });
  });

  it('R4.4: a refusal burns the code and writes no token', async () => {
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    const accessHash = hash();
    let seen: unknown;
    const refused = await store.redeemCode<string>({
      codeHash: code.codeHash,
      now: NOW,
      decide: (c) => {
        seen = c;
        return { refuse: 'wrong verifier' };
      },
    });
    expect(seen).toEqual(code);
    expect(refused).toEqual({ outcome: 'refused', code, reason: 'wrong verifier' });
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(0);
    expect(
      await store.redeemCode({
        codeHash: code.codeHash,
        now: NOW,
        decide: () => issue(accessHash),
      }),
    ).toEqual({ outcome: 'replayed', code });
    expect(await store.findAccessToken(accessHash)).toBeUndefined();
  });

  it('R4.4: an unknown code is unknown; a code of a disabled user issues nothing', async () => {
    expect(await store.redeemCode({ codeHash: 'nope', now: NOW, decide: () => issue() })).toEqual({
      outcome: 'unknown',
    });
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    await store.setUserDisabled(user.zuid, true);
    expect(
      await store.redeemCode({ codeHash: code.codeHash, now: NOW, decide: () => issue() }),
    ).toEqual({ outcome: 'unknown' });
  });

  it('R4.4: 20 concurrent redemptions of one code: one issues, every other is a replay that finds it committed', async () => {
    const code = newCode(client.clientId, user.zuid);
    await store.saveCode(code);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.redeemCode({ codeHash: code.codeHash, now: NOW, decide: () => issue() }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'issued')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'replayed')).toHaveLength(19);
    expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(1);
  });
});
