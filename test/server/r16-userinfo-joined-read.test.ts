/**
 * SPEC R16 with R6.1: user info reads the access token and its user in one joined statement
 * (`findAccessTokenWithUser`), and the token checks stay in the one verifier (ctx.tokens). With
 * the validated-token cache off every request makes exactly that one read; with it on, the cache
 * keeps the token and its user from that read. The answers stay those of R6.1: the profile for a
 * live token, a refusal for a deleted token or a disabled user.
 */
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashSecret } from '../../src/core/ids.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { deleteAccessTokenRow } from '../helpers/instances.ts';
import { obtainTokens, startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';

/** User info with a token: the status and body (zoho refusals are HTTP 200 with code 1003). */
async function userInfo(url: string, token: string) {
  const res = await fetch(`${url}/oauth/user/info`, {
    headers: { authorization: `Zoho-oauthtoken ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A token of a new user of a new app, with AaaServer.profile.READ. */
async function freshToken(server: TestServer) {
  const client = await server.addClient();
  const t = await obtainTokens(server, client);
  expect(t.status).toBe(200);
  const access = t.body.access_token as string;
  const user = await server.store.findUserByEmail(t.user.email);
  if (!user) throw new Error('no user');
  return { access, user };
}

/** Disables a user behind the server's back: no revocation, the tokens stay. */
async function disableUserRow(server: TestServer, zuid: number): Promise<void> {
  await sql`update users set disabled = 1 where zuid = ${zuid}`.execute(
    (server.store as KyselyStore).db,
  );
}

describe.each(storeKinds)('R16: user info in one joined read on $name', (kind) => {
  describe.each([
    { cache: 'off', ttl: 0 },
    { cache: 'on', ttl: 60 },
  ])('token cache $cache', ({ ttl }) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(kind, { throttle: false, tokenCacheTtl: ttl });
    });
    afterAll(() => server.close());
    afterEach(() => vi.restoreAllMocks());

    it('R16: user info answers the profile from one read of the token with its user', async () => {
      const { access, user } = await freshToken(server);
      const joined = vi.spyOn(server.store, 'findAccessTokenWithUser');
      const token = vi.spyOn(server.store, 'findAccessToken');
      const users = vi.spyOn(server.store, 'findUser');
      const res = await userInfo(server.url, access);
      expect(res).toEqual({
        status: 200,
        body: {
          First_Name: user.firstName,
          Last_Name: user.lastName,
          Email: user.email,
          Display_Name: user.displayName,
          ZUID: user.zuid,
        },
      });
      expect(joined).toHaveBeenCalledTimes(1);
      expect(joined).toHaveBeenCalledWith(hashSecret(access));
      expect(token).not.toHaveBeenCalled();
      expect(users).not.toHaveBeenCalled();
      // Again: with the cache on, both come from the cache; off, the one read again.
      expect((await userInfo(server.url, access)).status).toBe(200);
      expect(joined).toHaveBeenCalledTimes(ttl === 0 ? 2 : 1);
      expect(users).not.toHaveBeenCalled();
    });

    it('R6.1: a deleted token is refused', async () => {
      const { access } = await freshToken(server);
      await deleteAccessTokenRow(server.store, hashSecret(access));
      // Deleted behind the cache's back: the cache (on) has not seen this token yet.
      expect(await userInfo(server.url, access)).toEqual({
        status: 200,
        body: { error: { code: 1003, message: expect.any(String) } },
      });
    });

    it('R6.1: the token of a disabled user is refused (the joined read sees the user row)', async () => {
      const { access, user } = await freshToken(server);
      await disableUserRow(server, user.zuid);
      expect(await userInfo(server.url, access)).toEqual({
        status: 200,
        body: { error: { code: 1003, message: expect.any(String) } },
      });
    });

    it('R6.1: disabling a user through the store refuses their cached token at once', async () => {
      const { access, user } = await freshToken(server);
      expect((await userInfo(server.url, access)).status).toBe(200);
      expect(await server.store.setUserDisabled(user.zuid, true)).toBe(true);
      expect(await userInfo(server.url, access)).toEqual({
        status: 200,
        body: { error: { code: 1003, message: expect.any(String) } },
      });
    });
  });
});
