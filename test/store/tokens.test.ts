import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client, Store, User } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  HOUR,
  NOW,
  addClient,
  addUser,
  countAccessRows,
  countOrphans,
  expectIssued,
  hash,
  issueInput,
  issueRefresh,
  mintInput,
  openWithGrant,
} from './fixtures.ts';

describe.each(storeKinds)('tokens on $name', (kind) => {
  let store: Store;
  let user: User;
  let client: Client;
  beforeEach(async () => ({ store, user, client } = await openWithGrant(kind)));
  afterEach(() => store.close());

  describe('issueTokens', () => {
    it('R4.3: issues an access token and a refresh token with the same scopes', async () => {
      const input = issueInput(client.clientId, user.zuid, {
        scopes: ['SalesIQ.portals.READ', 'AaaServer.profile.READ'],
      });
      const { refreshTokenId, evicted } = expectIssued(await store.issueTokens(input));
      expect(evicted).toBe(0);
      expect(await store.findAccessToken(input.accessHash)).toEqual({
        clientId: client.clientId,
        zuid: user.zuid,
        scopes: ['SalesIQ.portals.READ', 'AaaServer.profile.READ'],
        expiresAt: NOW + HOUR,
        refreshTokenId,
        audience: [],
        dpopJkt: null,
      });
      expect(await store.findRefreshToken(input.refreshHash ?? '')).toEqual({
        id: refreshTokenId,
        clientId: client.clientId,
        zuid: user.zuid,
        scopes: ['SalesIQ.portals.READ', 'AaaServer.profile.READ'],
        createdAt: NOW,
        lastUsedAt: null,
        rotatedAt: null,
        familyId: input.refresh?.familyId,
        resources: [],
        dpopJkt: null,
      });
    });

    it('R5.1: issues only an access token when no refresh token is asked for', async () => {
      const input = issueInput(client.clientId, user.zuid, { refresh: false });
      expect(await store.issueTokens(input)).toEqual({
        outcome: 'issued',
        refreshTokenId: null,
        evicted: 0,
      });
      expect((await store.findAccessToken(input.accessHash))?.refreshTokenId).toBeNull();
      expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(0);
    });

    it('R5.2: issuing the 21st refresh token evicts the oldest with its access tokens', async () => {
      const issued = [];
      for (let i = 0; i < 20; i++)
        issued.push(await issueRefresh(store, client.clientId, user.zuid, { now: NOW + i }));
      const first = issued[0];
      if (!first) throw new Error('nothing issued');
      const minted = mintInput(first.refreshHash, client.clientId);
      await store.mintAccessToken(minted);
      expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(20);

      const input = issueInput(client.clientId, user.zuid, { now: NOW + 20 });
      expect(expectIssued(await store.issueTokens(input)).evicted).toBe(1);

      expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(20);
      expect(await store.findRefreshToken(first.refreshHash)).toBeUndefined();
      expect(await store.findAccessToken(first.accessHash)).toBeUndefined();
      expect(await store.findAccessToken(minted.access.tokenHash)).toBeUndefined();
      expect(await store.findRefreshToken(issued[1]?.refreshHash ?? '')).toBeDefined();
      expect(await store.findAccessToken(input.accessHash)).toBeDefined();
      expect(await countOrphans(store)).toBe(0);
    });

    it('R5.2: the refresh-token cap counts per user and client', async () => {
      const other = await addClient(store);
      const bob = await addUser(store);
      for (let i = 0; i < 3; i++)
        await store.issueTokens(issueInput(client.clientId, user.zuid, { cap: 3 }));
      await store.issueTokens(issueInput(other.clientId, user.zuid, { cap: 3 }));
      await store.issueTokens(issueInput(client.clientId, bob.zuid, { cap: 3 }));
      expect(
        expectIssued(await store.issueTokens(issueInput(client.clientId, user.zuid, { cap: 3 })))
          .evicted,
      ).toBe(1);
      expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(3);
      expect(await store.countLiveRefreshTokens(user.zuid, other.clientId)).toBe(1);
      expect(await store.countLiveRefreshTokens(bob.zuid, client.clientId)).toBe(1);
    });

    it("R5.2: evicting a public client's token also ends its rotated ancestors", async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      await store.mintAccessToken(
        mintInput(t.refreshHash, client.clientId, { rotateTo: 'rotated' }),
      );
      await store.issueTokens(issueInput(client.clientId, user.zuid, { cap: 1 }));
      expect(await store.findRefreshToken('rotated')).toBeUndefined();
      expect(await store.findRefreshToken(t.refreshHash)).toBeUndefined();
      expect(await countOrphans(store)).toBe(0);
    });
    it('R2: issues nothing for a client deleted meanwhile (grant-revoked)', async () => {
      await store.deleteClient(client.clientId);
      const input = issueInput(client.clientId, user.zuid);
      expect(await store.issueTokens(input)).toEqual({
        outcome: 'grant-revoked',
        reason: 'client-deleted-or-user-disabled',
      });
      expect(await store.findAccessToken(input.accessHash)).toBeUndefined();
      expect(await countOrphans(store)).toBe(0);
    });

    it('issues nothing for a user disabled meanwhile (grant-revoked)', async () => {
      await store.setUserDisabled(user.zuid, true);
      const input = issueInput(client.clientId, user.zuid, { refresh: false });
      expect(await store.issueTokens(input)).toEqual({
        outcome: 'grant-revoked',
        reason: 'client-deleted-or-user-disabled',
      });
      expect(await store.findAccessToken(input.accessHash)).toBeUndefined();
    });
  });

  describe('mintAccessToken', () => {
    it("R4.5: mints an access token with the refresh token's scopes and marks it used", async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const input = mintInput(t.refreshHash, client.clientId, { now: NOW + 1000 });
      const result = await store.mintAccessToken(input);
      expect(result).toEqual({
        outcome: 'minted',
        refreshToken: expect.objectContaining({
          id: t.refreshTokenId,
          lastUsedAt: NOW + 1000,
          rotatedAt: null,
        }),
        evicted: 0,
        rotatedOut: 0,
      });
      expect(await store.findAccessToken(input.access.tokenHash)).toEqual({
        clientId: client.clientId,
        zuid: user.zuid,
        scopes: ['AaaServer.profile.READ'],
        expiresAt: NOW + 1000 + HOUR,
        refreshTokenId: t.refreshTokenId,
        audience: [],
        dpopJkt: null,
      });
      expect((await store.findRefreshToken(t.refreshHash))?.lastUsedAt).toBe(NOW + 1000);
      expect(await store.findAccessToken(t.accessHash)).toBeDefined();
    });

    it('R4.5: an unknown refresh token mints nothing', async () => {
      const input = mintInput('no-such-token', client.clientId);
      expect(await store.mintAccessToken(input)).toEqual({ outcome: 'unknown' });
      expect(await store.findAccessToken(input.access.tokenHash)).toBeUndefined();
    });

    it('R4.5: a refresh token presented by another client is unknown to it', async () => {
      const other = await addClient(store);
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const input = mintInput(t.refreshHash, other.clientId);
      expect(await store.mintAccessToken(input)).toEqual({ outcome: 'unknown' });
      expect(await store.findAccessToken(input.access.tokenHash)).toBeUndefined();
      expect(await store.findRefreshToken(t.refreshHash)).toBeDefined();
    });

    it("R5.3: the code exchange's access token counts as the first; minting the 21st invalidates the oldest", async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const minted: string[] = [];
      for (let i = 1; i < 20; i++) {
        const input = mintInput(t.refreshHash, client.clientId, { now: NOW + i });
        await store.mintAccessToken(input);
        minted.push(input.access.tokenHash);
      }
      expect(await store.countLiveAccessTokens(t.refreshTokenId, NOW + 20)).toBe(20);
      expect(await store.findAccessToken(t.accessHash)).toBeDefined();

      await store.mintAccessToken(mintInput(t.refreshHash, client.clientId, { now: NOW + 20 }));
      expect(await store.countLiveAccessTokens(t.refreshTokenId, NOW + 20)).toBe(20);
      expect(await store.findAccessToken(t.accessHash)).toBeUndefined();
      expect(await store.findAccessToken(minted[0] ?? '')).toBeDefined();

      await store.mintAccessToken(mintInput(t.refreshHash, client.clientId, { now: NOW + 21 }));
      expect(await store.findAccessToken(minted[0] ?? '')).toBeUndefined();
      expect(await store.findAccessToken(minted[1] ?? '')).toBeDefined();
    });

    it('R5.3: expired access tokens do not count towards the cap', async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const later = NOW + 2 * HOUR;
      expect(await store.countLiveAccessTokens(t.refreshTokenId, later)).toBe(0);
      for (let i = 0; i < 20; i++)
        await store.mintAccessToken(mintInput(t.refreshHash, client.clientId, { now: later + i }));
      expect(await store.countLiveAccessTokens(t.refreshTokenId, later + 20)).toBe(20);
    });

    it('R5.5: with a throttle of 10 per window the 11th mint is throttled until the window ends', async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const throttle = { limit: 10, windowMs: 600_000 };
      for (let i = 0; i < 10; i++) {
        const r = await store.mintAccessToken(
          mintInput(t.refreshHash, client.clientId, { now: NOW + i, throttle }),
        );
        expect(r.outcome).toBe('minted');
      }
      const refused = mintInput(t.refreshHash, client.clientId, { now: NOW + 1000, throttle });
      expect(await store.mintAccessToken(refused)).toEqual({
        outcome: 'throttled',
        retryAfterMs: 600_000 - 1000,
      });
      expect(await store.findAccessToken(refused.access.tokenHash)).toBeUndefined();
      expect(await store.countLiveAccessTokens(t.refreshTokenId, NOW + 1000)).toBe(11);

      const next = await store.mintAccessToken(
        mintInput(t.refreshHash, client.clientId, { now: NOW + 600_000, throttle }),
      );
      expect(next.outcome).toBe('minted');
    });

    it('R5.5: the throttle counts per refresh token', async () => {
      const a = await issueRefresh(store, client.clientId, user.zuid);
      const b = await issueRefresh(store, client.clientId, user.zuid);
      const throttle = { limit: 1, windowMs: 600_000 };
      expect(
        (await store.mintAccessToken(mintInput(a.refreshHash, client.clientId, { throttle })))
          .outcome,
      ).toBe('minted');
      expect(
        (await store.mintAccessToken(mintInput(a.refreshHash, client.clientId, { throttle })))
          .outcome,
      ).toBe('throttled');
      expect(
        (await store.mintAccessToken(mintInput(b.refreshHash, client.clientId, { throttle })))
          .outcome,
      ).toBe('minted');
    });

    it("R4.5: a public client's refresh token rotates: the new one works, the old one is marked rotated", async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const input = mintInput(t.refreshHash, client.clientId, {
        now: NOW + 5,
        rotateTo: 'rotated',
      });
      const result = await store.mintAccessToken(input);
      if (result.outcome !== 'minted') throw new Error(result.outcome);
      // The old refresh token's one access token ended with it (R15.6 signals on this count).
      expect(result.rotatedOut).toBe(1);
      const next = await store.findRefreshToken('rotated');
      expect(next).toMatchObject({
        id: result.refreshToken.id,
        familyId: (await store.findRefreshToken(t.refreshHash))?.familyId,
        rotatedAt: null,
      });
      expect((await store.findRefreshToken(t.refreshHash))?.rotatedAt).toBe(NOW + 5);
      expect((await store.findAccessToken(input.access.tokenHash))?.refreshTokenId).toBe(next?.id);
      expect(await store.findAccessToken(t.accessHash)).toBeUndefined();
      expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(1);
      const again = await store.mintAccessToken(
        mintInput('rotated', client.clientId, { rotateTo: 'rotated-2' }),
      );
      expect(again.outcome).toBe('minted');
    });

    it('R4.5: reusing a rotated refresh token revokes the whole family (RFC 9700 §4.14)', async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const unrelated = await issueRefresh(store, client.clientId, user.zuid);
      const first = mintInput(t.refreshHash, client.clientId, { rotateTo: 'gen-2' });
      await store.mintAccessToken(first);
      const second = mintInput('gen-2', client.clientId, { rotateTo: 'gen-3' });
      await store.mintAccessToken(second);

      const replay = mintInput(t.refreshHash, client.clientId, { rotateTo: 'gen-x' });
      expect(await store.mintAccessToken(replay)).toEqual({ outcome: 'reused-rotated' });

      for (const h of [t.refreshHash, 'gen-2', 'gen-3', 'gen-x'])
        expect(await store.findRefreshToken(h)).toBeUndefined();
      for (const h of [first.access.tokenHash, second.access.tokenHash, replay.access.tokenHash]) {
        expect(await store.findAccessToken(h)).toBeUndefined();
      }
      expect(await store.findRefreshToken(unrelated.refreshHash)).toBeDefined();
      expect(await countOrphans(store)).toBe(0);
    });
  });

  describe('saveAccessToken and findAccessToken', () => {
    it('R4.6: saves a standalone client-credentials access token', async () => {
      const token = {
        tokenHash: hash(),
        clientId: client.clientId,
        zuid: user.zuid,
        scopes: ['SalesIQ.portals.READ'],
        expiresAt: NOW + HOUR,
        refreshTokenId: null,
        codeHash: null,
      };
      expect(await store.saveAccessToken(token, NOW)).toEqual({ outcome: 'saved' });
      expect(await store.findAccessToken(token.tokenHash)).toEqual({
        clientId: client.clientId,
        zuid: user.zuid,
        scopes: ['SalesIQ.portals.READ'],
        expiresAt: NOW + HOUR,
        refreshTokenId: null,
        audience: [],
        dpopJkt: null,
      });
    });

    it('R4.6: refuses a client-credentials token for a deleted client (grant-revoked)', async () => {
      await store.deleteClient(client.clientId);
      const token = {
        tokenHash: hash(),
        clientId: client.clientId,
        zuid: user.zuid,
        scopes: [],
        expiresAt: NOW + HOUR,
        refreshTokenId: null,
        codeHash: null,
      };
      expect(await store.saveAccessToken(token, NOW)).toEqual({
        outcome: 'grant-revoked',
        reason: 'client-deleted-or-user-disabled',
      });
      expect(await store.findAccessToken(token.tokenHash)).toBeUndefined();
    });

    it('R5.4: findAccessToken returns an expired token with its expiry, for the caller to refuse', async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      expect((await store.findAccessToken(t.accessHash))?.expiresAt).toBe(NOW + HOUR);
      expect(await store.findAccessToken('unknown')).toBeUndefined();
    });
  });

  describe('revokeToken', () => {
    it('R6.3: revoking a refresh token revokes its access tokens and no other', async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const minted = mintInput(t.refreshHash, client.clientId);
      await store.mintAccessToken(minted);
      const other = await issueRefresh(store, client.clientId, user.zuid);

      expect(await store.revokeToken(t.refreshHash)).toBe('refresh');

      expect(await store.findRefreshToken(t.refreshHash)).toBeUndefined();
      expect(await store.findAccessToken(t.accessHash)).toBeUndefined();
      expect(await store.findAccessToken(minted.access.tokenHash)).toBeUndefined();
      expect(await countAccessRows(store, t.refreshTokenId)).toBe(0);
      expect(await store.findAccessToken(other.accessHash)).toBeDefined();
      expect(await store.revokeToken(t.refreshHash)).toBe('unknown');
    });

    it('R6.3: revoking an access token revokes only it', async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const minted = mintInput(t.refreshHash, client.clientId);
      await store.mintAccessToken(minted);
      expect(await store.revokeToken(t.accessHash)).toBe('access');
      expect(await store.findAccessToken(t.accessHash)).toBeUndefined();
      expect(await store.findAccessToken(minted.access.tokenHash)).toBeDefined();
      expect(await store.findRefreshToken(t.refreshHash)).toBeDefined();
    });

    it('R6.3: an unknown token reports unknown', async () => {
      expect(await store.revokeToken('unknown')).toBe('unknown');
    });

    it("R6.3: with a client_id, only that client's tokens can be revoked (RFC 7009 §2.1)", async () => {
      const other = await addClient(store);
      const t = await issueRefresh(store, client.clientId, user.zuid);
      expect(await store.revokeToken(t.refreshHash, other.clientId)).toBe('unknown');
      expect(await store.revokeToken(t.accessHash, other.clientId)).toBe('unknown');
      expect(await store.findRefreshToken(t.refreshHash)).toBeDefined();
      expect(await store.findAccessToken(t.accessHash)).toBeDefined();
      expect(await store.revokeToken(t.accessHash, client.clientId)).toBe('access');
      expect(await store.revokeToken(t.refreshHash, client.clientId)).toBe('refresh');
    });

    it('R4.5: revoking a rotated public-client token revokes its whole family', async () => {
      const t = await issueRefresh(store, client.clientId, user.zuid);
      const rotated = mintInput(t.refreshHash, client.clientId, { rotateTo: 'gen-2' });
      await store.mintAccessToken(rotated);
      expect(await store.revokeToken('gen-2')).toBe('refresh');
      expect(await store.findRefreshToken(t.refreshHash)).toBeUndefined();
      expect(await store.findAccessToken(rotated.access.tokenHash)).toBeUndefined();
      expect(await countOrphans(store)).toBe(0);
    });
  });
});
