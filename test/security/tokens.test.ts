/**
 * Attack tests: stolen, revoked, evicted, forged and misplaced tokens (SPEC R4.5, R5.2, R5.3,
 * R6.2, R6.3; RFC 9700 §2.2, §2.4, §4.3.2, §4.14; RFC 6819 §5.1.5.8, §5.2.2.2, §5.2.2.4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  Browser,
  obtainTokens,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import { forgedToken, tokenWorks, userInfo } from './attack-helpers.ts';

type App = { clientId: string; clientSecret: string; redirectUri: string };

describe.each(storeKinds)('attack: tokens on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, {
      throttle: false,
      refreshTokenCap: 2,
      accessTokensPerRefresh: 2,
    });
  });
  afterAll(() => server.close());

  async function tokensFor(
    app: App,
    user?: { email: string; password: string },
  ): Promise<{ access: string; refresh: string }> {
    const res = await obtainTokens(
      server,
      { ...app, accessType: 'offline', prompt: 'consent' },
      user,
    );
    expect(res.body.refresh_token).toBeTruthy();
    return { access: String(res.body.access_token), refresh: String(res.body.refresh_token) };
  }
  const refresh = (app: App, token: string) =>
    postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: token,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });

  it('R4.5: another app cannot use a stolen refresh token, and the theft leaves it working for its owner', async () => {
    const victimApp = await server.addClient();
    const attackerApp = await server.addClient();
    const { refresh: stolen } = await tokensFor(victimApp);
    expect((await refresh(attackerApp, stolen)).body).toEqual({ error: 'invalid_code' });
    expect((await refresh(victimApp, stolen)).body.access_token).toBeTruthy();
  });

  it('R6.3: another app cannot revoke a token by RFC 7009 revocation (RFC 7009 §2.1)', async () => {
    const victimApp = await server.addClient();
    const attackerApp = await server.addClient();
    const tokens = await tokensFor(victimApp);
    for (const token of [tokens.access, tokens.refresh]) {
      const res = await postForm(server.url, '/oauth/v2/revoke', {
        token,
        client_id: attackerApp.clientId,
        client_secret: attackerApp.clientSecret,
      });
      expect(res.status).toBe(200);
    }
    expect(await tokenWorks(server, tokens.access)).toBe(true);
    expect((await refresh(victimApp, tokens.refresh)).body.access_token).toBeTruthy();
  });

  it('R6.3: a revoked refresh token mints nothing, and the access tokens it minted are refused', async () => {
    const app = await server.addClient();
    const tokens = await tokensFor(app);
    const minted = String((await refresh(app, tokens.refresh)).body.access_token);
    expect(
      (await postForm(server.url, '/oauth/v2/token/revoke', { token: tokens.refresh })).body,
    ).toEqual({ status: 'success' });
    expect((await refresh(app, tokens.refresh)).body).toEqual({ error: 'invalid_code' });
    expect(await tokenWorks(server, tokens.access)).toBe(false);
    expect(await tokenWorks(server, minted)).toBe(false);
  });

  it('R6.3: a revoked access token is refused at once', async () => {
    const app = await server.addClient();
    const tokens = await tokensFor(app);
    await postForm(server.url, '/oauth/v2/token/revoke', { token: tokens.access });
    expect(await tokenWorks(server, tokens.access)).toBe(false);
  });

  it('R5.2: an evicted refresh token (past the cap) mints nothing, and its access token is refused', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const oldest = await tokensFor(app, user);
    await tokensFor(app, user);
    await tokensFor(app, user);
    expect((await refresh(app, oldest.refresh)).body).toEqual({ error: 'invalid_code' });
    expect(await tokenWorks(server, oldest.access)).toBe(false);
  });

  it('R5.3: an access token invalidated by the per-refresh-token cap is refused', async () => {
    const app = await server.addClient();
    const tokens = await tokensFor(app);
    await refresh(app, tokens.refresh);
    await refresh(app, tokens.refresh);
    expect(await tokenWorks(server, tokens.access)).toBe(false);
  });

  it('R5.4: an access token is refused after its hour', async () => {
    const app = await server.addClient();
    const tokens = await tokensFor(app);
    server.advance(3_601_000);
    expect(await tokenWorks(server, tokens.access)).toBe(false);
  });

  it('R6.2: a valid token in the query string is refused, at user info and at the API, even beside a valid header', async () => {
    const app = await server.addClient();
    const { access } = await tokensFor(app);
    for (const path of [
      `/oauth/user/info?access_token=${access}`,
      `/oauth/user/info?authtoken=${access}`,
      `/api/v2/portals?access_token=${access}`,
    ]) {
      const bare = await fetch(`${server.url}${path}`);
      const body = (await bare.json()) as { error?: unknown; ZUID?: unknown; data?: unknown };
      expect(body.error, path).toMatchObject({ code: 1002 });
      expect(body.ZUID ?? body.data, path).toBeUndefined();
      const withHeader = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Zoho-oauthtoken ${access}` },
      });
      expect(
        ((await withHeader.json()) as { error?: unknown }).error,
        `${path} with header`,
      ).toMatchObject({ code: 1002 });
    }
  });

  it('R1: a forged token of the right format is refused everywhere', async () => {
    const app = await server.addClient();
    const forged = forgedToken();
    expect(await tokenWorks(server, forged)).toBe(false);
    expect((await refresh(app, forged)).body).toEqual({ error: 'invalid_code' });
    expect(
      (
        await postForm(server.url, '/oauth/v2/introspect', {
          token: forged,
          client_id: app.clientId,
          client_secret: app.clientSecret,
        })
      ).body,
    ).toEqual({ active: false });
    expect((await postForm(server.url, '/oauth/v2/token/revoke', { token: forged })).status).toBe(
      400,
    );
  });

  it('R1: a real token with one character changed is refused', async () => {
    const app = await server.addClient();
    const { access } = await tokensFor(app);
    const last = access.at(-1) === '0' ? '1' : '0';
    expect(await tokenWorks(server, access.slice(0, -1) + last)).toBe(false);
    expect(await tokenWorks(server, access.toUpperCase())).toBe(false);
  });

  it('token confusion: a refresh token is not an access token, an access token is not a refresh token, a code is neither', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const tokens = await tokensFor(app, user);
    expect(await tokenWorks(server, tokens.refresh)).toBe(false);
    expect((await refresh(app, tokens.access)).body).toEqual({ error: 'invalid_code' });
    const redirect = await authorize(new Browser(server.url), user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
    });
    const code = redirect.searchParams.get('code') ?? '';
    expect(await tokenWorks(server, code)).toBe(false);
    expect((await refresh(app, code)).body).toEqual({ error: 'invalid_code' });
  });

  it('R2: every token of a deleted app is refused', async () => {
    const app = await server.addClient();
    const tokens = await tokensFor(app);
    await server.store.deleteClient(app.clientId);
    expect(await tokenWorks(server, tokens.access)).toBe(false);
    expect((await refresh(app, tokens.refresh)).body).toEqual({ error: 'invalid_client' });
  });

  it('the tokens of a disabled account are refused', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const tokens = await tokensFor(app, user);
    await server.store.setUserDisabled(user.zuid, true);
    expect(await tokenWorks(server, tokens.access)).toBe(false);
    expect((await refresh(app, tokens.refresh)).body).toEqual({ error: 'invalid_code' });
  });

  it('RFC 9700 §2.4, §2.1.2: the password grant and the implicit grant are not offered', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const password = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'password',
      username: user.email,
      password: user.password,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(password.body).toEqual({ error: 'unsupported_grant_type' });
    const browser = new Browser(server.url);
    await authorize(browser, user, { clientId: app.clientId, redirectUri: app.redirectUri });
    const implicit = await browser.get(
      `/oauth/v2/auth?response_type=token&client_id=${app.clientId}&redirect_uri=${encodeURIComponent(app.redirectUri)}&scope=AaaServer.profile.READ`,
    );
    const to = new URL(implicit.headers.get('location') ?? '');
    expect(to.searchParams.get('error')).toBe('unsupported_response_type');
    expect(`${to.search}${to.hash}`).not.toContain('access_token');
  });

  it('R6.1: a token for other scopes does not read the profile', async () => {
    const app = await server.addClient();
    const res = await obtainTokens(server, { ...app, scope: 'SalesIQ.portals.READ' });
    const info = await userInfo(server, String(res.body.access_token));
    expect(info.body.ZUID).toBeUndefined();
    expect(info.body.error).toMatchObject({ code: 1007 });
  });
});
