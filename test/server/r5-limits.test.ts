/**
 * SPEC R5: when refresh tokens are issued, the caps of 20, and the throttles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  authorizeUrl,
  Browser,
  obtainTokens,
  postForm,
  signIn,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import { hashSecret } from '../../src/core/ids.ts';

describe.each(storeKinds)('R5 limits on $name', (kind) => {
  let server: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
    open = await startServer(kind, { throttle: false });
  });
  afterAll(async () => {
    await server.close();
    await open.close();
  });

  const refreshForm = (
    app: { clientId: string; clientSecret: string },
    token: string,
  ): Record<string, string> => ({
    grant_type: 'refresh_token',
    refresh_token: token,
    client_id: app.clientId,
    client_secret: app.clientSecret,
  });

  async function exchange(
    s: TestServer,
    app: { clientId: string; clientSecret: string; redirectUri: string },
    redirect: URL,
  ) {
    return postForm(s.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
    });
  }

  it('R5.1: online access gets no refresh token', async () => {
    const app = await server.addClient();
    const res = await obtainTokens(server, { ...app, accessType: 'online' });
    expect(res.body.refresh_token).toBeUndefined();
  });

  it('R5.1: offline access gets a refresh token on first consent only, and again with prompt=consent', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const browser = new Browser(server.url);
    const o = {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      accessType: 'offline' as const,
    };
    const first = await exchange(server, app, await authorize(browser, user, o));
    expect(first.body.refresh_token).toBeDefined();
    const second = await exchange(server, app, await authorize(browser, user, o));
    expect(second.body.access_token).toBeDefined();
    expect(second.body.refresh_token).toBeUndefined();
    const third = await exchange(
      server,
      app,
      await authorize(browser, user, { ...o, prompt: 'consent' }),
    );
    expect(third.body.refresh_token).toBeDefined();
  });

  it('R5.2: the 21st refresh token evicts the oldest together with its access tokens', async () => {
    const app = await open.addClient();
    const user = await open.addUser();
    const browser = new Browser(open.url);
    const o = {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      accessType: 'offline' as const,
      prompt: 'consent',
    };
    const issued: Record<string, unknown>[] = [];
    for (let i = 0; i < 21; i++)
      issued.push((await exchange(open, app, await authorize(browser, user, o))).body);
    expect(await open.store.countLiveRefreshTokens(user.zuid, app.clientId)).toBe(20);
    const oldest = issued[0] as Record<string, string>;
    expect(
      (
        await postForm(
          open.url,
          '/oauth/v2/token',
          refreshForm(app, oldest.refresh_token as string),
        )
      ).body,
    ).toEqual({ error: 'invalid_code' });
    expect(
      await open.store.findAccessToken(hashSecret(oldest.access_token as string)),
    ).toBeUndefined();
    const second = issued[1] as Record<string, string>;
    expect(
      (
        await postForm(
          open.url,
          '/oauth/v2/token',
          refreshForm(app, second.refresh_token as string),
        )
      ).body.access_token,
    ).toBeDefined();
  });

  it("R5.3: at most 20 live access tokens per refresh token; the 21st invalidates the oldest (the exchange's counts first)", async () => {
    const app = await open.addClient();
    const tokens = await obtainTokens(open, { ...app, accessType: 'offline' });
    const minted: string[] = [tokens.body.access_token as string];
    for (let i = 0; i < 20; i++)
      minted.push(
        (
          await postForm(
            open.url,
            '/oauth/v2/token',
            refreshForm(app, tokens.body.refresh_token as string),
          )
        ).body.access_token as string,
      );
    expect(await open.store.findAccessToken(hashSecret(minted[0] as string))).toBeUndefined();
    expect(await open.store.findAccessToken(hashSecret(minted[1] as string))).toBeDefined();
    const rt = await open.store.findRefreshToken(hashSecret(tokens.body.refresh_token as string));
    expect(await open.store.countLiveAccessTokens(rt?.id ?? -1, open.now())).toBe(20);
  });

  it('R5.3: 50 concurrent refreshes leave exactly 20 live access tokens', async () => {
    const app = await open.addClient();
    const tokens = await obtainTokens(open, { ...app, accessType: 'offline' });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        postForm(
          open.url,
          '/oauth/v2/token',
          refreshForm(app, tokens.body.refresh_token as string),
        ),
      ),
    );
    expect(results.every((r) => typeof r.body.access_token === 'string')).toBe(true);
    const rt = await open.store.findRefreshToken(hashSecret(tokens.body.refresh_token as string));
    expect(await open.store.countLiveAccessTokens(rt?.id ?? -1, open.now())).toBe(20);
  });

  it('R5.2: 50 concurrent code exchanges with refresh tokens leave exactly 20 live refresh tokens', async () => {
    const app = await open.addClient();
    const user = await open.addUser();
    const { mintCode } = await import('../../src/core/codes.ts');
    const codes = await Promise.all(
      Array.from({ length: 50 }, () =>
        mintCode(open.store, {
          clientId: app.clientId,
          zuid: user.zuid,
          scopes: ['AaaServer.profile.READ'],
          redirectUri: app.redirectUri,
          offline: true,
          codeChallenge: null,
          codeChallengeMethod: null,
          state: null,
          lifetimeSeconds: 120,
          now: open.now(),
          throttle: null,
        }),
      ),
    );
    const results = await Promise.all(
      codes.map(({ code }) =>
        postForm(open.url, '/oauth/v2/token', {
          grant_type: 'authorization_code',
          code,
          client_id: app.clientId,
          client_secret: app.clientSecret,
          redirect_uri: app.redirectUri,
        }),
      ),
    );
    expect(results.filter((r) => r.body.refresh_token).length).toBe(50);
    expect(await open.store.countLiveRefreshTokens(user.zuid, app.clientId)).toBe(20);
  });

  it('R5.5: the refresh grant mints at most 10 access tokens per refresh token per 10 minutes, then recovers', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
    const form = refreshForm(app, tokens.body.refresh_token as string);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => postForm(server.url, '/oauth/v2/token', form)),
    );
    expect(results.filter((r) => r.body.access_token).length).toBe(10);
    expect(results.filter((r) => r.body.error === 'Access Denied').length).toBe(40);
    server.advance(601_000);
    expect((await postForm(server.url, '/oauth/v2/token', form)).body.access_token).toBeDefined();
  });

  it('R5.5: 10 codes per client per 10 minutes, then access_denied', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const browser = new Browser(server.url);
    await authorize(browser, user, { clientId: app.clientId, redirectUri: app.redirectUri });
    for (let i = 0; i < 9; i++) {
      const res = await browser.get(
        authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri }),
      );
      expect(new URL(res.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
    }
    const res = await browser.get(
      authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri }),
    );
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'access_denied',
    );
  });

  it('R5.5: failed sign-ins are throttled per account', async () => {
    const user = await server.addUser();
    for (let i = 0; i < 10; i++)
      expect((await signIn(new Browser(server.url), user.email, 'nope nope')).status).toBe(401);
    const blocked = await signIn(new Browser(server.url), user.email, user.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('R5.5: failed sign-ins are throttled per address', async () => {
    const strict = await startServer(kind, { loginAddressLimit: 3 });
    try {
      for (let i = 0; i < 3; i++)
        expect(
          (await signIn(new Browser(strict.url), `nobody${i}@example.com`, 'nope nope')).status,
        ).toBe(401);
      const user = await strict.addUser();
      expect((await signIn(new Browser(strict.url), user.email, user.password)).status).toBe(429);
    } finally {
      await strict.close();
    }
  });

  it('R5.5: with --no-throttle, no throttle applies', async () => {
    const app = await open.addClient();
    const tokens = await obtainTokens(open, { ...app, accessType: 'offline' });
    const form = refreshForm(app, tokens.body.refresh_token as string);
    for (let i = 0; i < 15; i++)
      expect((await postForm(open.url, '/oauth/v2/token', form)).body.access_token).toBeDefined();
  });

  it('R5.4: access tokens live one hour', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, app);
    const call = () =>
      fetch(`${server.url}/oauth/user/info`, {
        headers: { authorization: `Zoho-oauthtoken ${tokens.body.access_token as string}` },
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    server.advance(3_590_000);
    expect((await call()).ZUID).toBeDefined();
    server.advance(11_000);
    expect((await call()).error).toMatchObject({ code: 1003 });
  });
});
