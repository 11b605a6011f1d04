/**
 * The store's part of SPEC R14: resource indicators (R14.1) and DPoP key bindings (R14.7) travel
 * from the code to the tokens, and a rotated refresh token keeps them. SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client, Store, User } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { HOUR, NOW, hash, issueInput, mintInput, newCode, openWithGrant } from './fixtures.ts';

const MCP = 'https://mcp.example.com/mcp';
const API = 'https://api.example.com/';

describe.each(storeKinds)('R14 store fields on $name', (kind) => {
  let store: Store;
  let user: User;
  let client: Client;
  beforeEach(async () => ({ store, user, client } = await openWithGrant(kind)));
  afterEach(() => store.close());

  it('R14.1: a code keeps its resources and DPoP key; redeemCode writes audience and binding', async () => {
    const code = newCode(client.clientId, user.zuid, { resources: [MCP, API], dpopJkt: 'jkt-1' });
    await store.saveCode(code);
    const access = hash();
    const refresh = hash();
    const result = await store.redeemCode({
      codeHash: code.codeHash,
      now: NOW,
      decide: (seen) => {
        expect(seen.resources).toEqual([MCP, API]);
        expect(seen.dpopJkt).toBe('jkt-1');
        return {
          issue: {
            access: { tokenHash: access, expiresAt: NOW + HOUR, audience: [MCP], dpopJkt: 'jkt-1' },
            refresh: {
              tokenHash: refresh,
              familyId: hash(),
              resources: [MCP, API],
              dpopJkt: 'jkt-1',
            },
            refreshTokenCap: 20,
          },
        };
      },
    });
    expect(result.outcome).toBe('issued');
    expect(await store.findAccessToken(access)).toMatchObject({
      audience: [MCP],
      dpopJkt: 'jkt-1',
    });
    expect(await store.findRefreshToken(refresh)).toMatchObject({
      resources: [MCP, API],
      dpopJkt: 'jkt-1',
    });
  });

  it('R14.7: a rotated refresh token keeps its resources and key; minted tokens carry theirs', async () => {
    const input = issueInput(client.clientId, user.zuid);
    await store.issueTokens({
      ...input,
      refresh: {
        tokenHash: input.refreshHash ?? '',
        familyId: hash(),
        resources: [MCP],
        dpopJkt: 'k',
      },
    });
    const next = hash();
    const mint = mintInput(input.refreshHash ?? '', client.clientId, { now: NOW + 1000 });
    const minted = await store.mintAccessToken({
      ...mint,
      access: { ...mint.access, audience: [MCP], dpopJkt: 'k' },
      rotateTo: next,
    });
    expect(minted.outcome).toBe('minted');
    expect(await store.findRefreshToken(next)).toMatchObject({ resources: [MCP], dpopJkt: 'k' });
    expect(await store.findAccessToken(mint.access.tokenHash)).toMatchObject({
      audience: [MCP],
      dpopJkt: 'k',
    });
  });
});
