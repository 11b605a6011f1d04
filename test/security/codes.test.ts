/**
 * Attack tests: stolen, replayed, downgraded and stale authorization codes (SPEC R3.6, R4.2,
 * R4.4; RFC 9700 §2.1.1, §4.5, §4.8; RFC 6819 §4.4.1.1, §5.1.5.3, §5.2.4.4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  authorizeUrl,
  Browser,
  postForm,
  startServer,
  type AuthorizeOptions,
  type TestServer,
} from '../helpers/server.ts';
import { exchange, forgedToken, pkcePair, tokenWorks } from './attack-helpers.ts';

type App = { clientId: string; clientSecret: string; redirectUri: string };

describe.each(storeKinds)('attack: authorization codes on $name', (kind) => {
  let server: TestServer;
  let rfc: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { throttle: false });
    rfc = await startServer(kind, { throttle: false, profile: 'rfc' });
  });
  afterAll(async () => {
    await server.close();
    await rfc.close();
  });

  async function codeFor(
    s: TestServer,
    app: App,
    o: Partial<AuthorizeOptions> = {},
  ): Promise<string> {
    const user = await s.addUser();
    const redirect = await authorize(new Browser(s.url), user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      accessType: 'offline',
      ...o,
    });
    const code = redirect.searchParams.get('code');
    if (!code) throw new Error(`no code: ${redirect.toString()}`);
    return code;
  }
  const form = (
    app: App,
    code: string,
    extra: Record<string, string> = {},
  ): Record<string, string> => ({
    code,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    redirect_uri: app.redirectUri,
    ...extra,
  });

  it('R4.4: an attacker replaying a used code gets nothing, and every token from it dies, also those minted by refresh', async () => {
    const app = await server.addClient();
    const code = await codeFor(server, app);
    const victim = await exchange(server, form(app, code));
    const refreshed = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: String(victim.body.refresh_token),
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(await tokenWorks(server, String(refreshed.body.access_token))).toBe(true);
    expect((await exchange(server, form(app, code))).body).toEqual({ error: 'invalid_code' });
    expect(await tokenWorks(server, String(victim.body.access_token))).toBe(false);
    expect(await tokenWorks(server, String(refreshed.body.access_token))).toBe(false);
    const again = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: String(victim.body.refresh_token),
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(again.body).toEqual({ error: 'invalid_code' });
  });

  it("R4.4: a public client's code replayed kills the rotated refresh tokens of its family", async () => {
    const app = await server.addClient({ type: 'mobile', redirectUris: ['http://127.0.0.1/cb'] });
    const pkce = pkcePair();
    const code = await codeFor(server, app, {
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
    });
    const first = await exchange(server, {
      code,
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      code_verifier: pkce.verifier,
    });
    const rotated = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: String(first.body.refresh_token),
      client_id: app.clientId,
    });
    expect(rotated.body.refresh_token).toBeTruthy();
    await exchange(server, {
      code,
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      code_verifier: pkce.verifier,
    });
    const afterReplay = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: String(rotated.body.refresh_token),
      client_id: app.clientId,
    });
    expect(afterReplay.body).toEqual({ error: 'invalid_code' });
    expect(await tokenWorks(server, String(rotated.body.access_token))).toBe(false);
  });

  it('R4.2: a code stolen from one app and redeemed by another app (with its own valid secret) is refused', async () => {
    const victimApp = await server.addClient();
    const attackerApp = await server.addClient();
    const code = await codeFor(server, victimApp);
    const stolen = await exchange(
      server,
      form(attackerApp, code, { redirect_uri: victimApp.redirectUri }),
    );
    expect(stolen.body).toEqual({ error: 'invalid_code' });
    expect(stolen.body.access_token).toBeUndefined();
  });

  it('R4.2: a code presented with the right client id but no secret is invalid_client, a wrong one invalid_client_secret (R13.6)', async () => {
    const app = await server.addClient();
    const code = await codeFor(server, app);
    expect(
      (await exchange(server, { code, client_id: app.clientId, redirect_uri: app.redirectUri }))
        .body,
    ).toEqual({ error: 'invalid_client' });
    expect(
      (await exchange(server, form(app, code, { client_secret: 'f'.repeat(42) }))).body,
    ).toEqual({ error: 'invalid_client_secret' });
    expect((await exchange(server, form(app, code))).body.access_token).toBeTruthy();
  });

  it.each([
    ['a confidential app', 'server'],
    ['a public app', 'mobile'],
  ] as const)(
    'R4.2: a code of %s whose request had a PKCE challenge is refused without the verifier',
    async (_what, type) => {
      const app = await server.addClient({ type, redirectUris: ['http://127.0.0.1/cb'] });
      const pkce = pkcePair();
      const code = await codeFor(server, app, {
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
      });
      const noVerifier =
        type === 'server'
          ? form(app, code)
          : { code, client_id: app.clientId, redirect_uri: app.redirectUri };
      expect((await exchange(server, noVerifier)).body).toEqual({ error: 'invalid_code' });
    },
  );

  it('R4.2: a wrong verifier, and the challenge itself sent as the verifier, are refused', async () => {
    const app = await server.addClient();
    const pkce = pkcePair();
    const code = await codeFor(server, app, {
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
    });
    expect(
      (await exchange(server, form(app, code, { code_verifier: pkcePair().verifier }))).body,
    ).toEqual({ error: 'invalid_code' });
    const code2 = await codeFor(server, app, {
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
    });
    expect(
      (await exchange(server, form(app, code2, { code_verifier: pkce.challenge }))).body,
    ).toEqual({ error: 'invalid_code' });
  });

  it('R4.2: a verifier sent for a code whose request had no challenge is refused (PKCE downgrade, RFC 9700 §2.1.1)', async () => {
    const app = await rfc.addClient();
    const code = await codeFor(rfc, app);
    const res = await postForm(rfc.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      ...form(app, code, { code_verifier: pkcePair().verifier }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it.each([
    ['code_challenge_method=plain', { codeChallengeMethod: 'plain' }],
    ['no code_challenge_method (plain by default)', {}],
  ])('R3.1: the rfc profile refuses a PKCE %s, by error redirect (no code)', async (_what, o) => {
    const app = await rfc.addClient({ type: 'mobile', redirectUris: ['http://127.0.0.1/cb'] });
    const user = await rfc.addUser();
    const browser = new Browser(rfc.url);
    await authorize(browser, user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      codeChallenge: pkcePair().challenge,
      codeChallengeMethod: 'S256',
    });
    const url = authorizeUrl({
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      codeChallenge: 'a'.repeat(43),
      ...o,
    });
    const res = await browser.get(url);
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location') ?? '');
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect(to.searchParams.get('code')).toBeNull();
  });

  it('R3.6: a code is refused after its 120 s lifetime, and a refused stale code cannot be retried', async () => {
    const app = await server.addClient();
    const code = await codeFor(server, app);
    server.advance(121_000);
    expect((await exchange(server, form(app, code))).body).toEqual({ error: 'invalid_code' });
    expect((await exchange(server, form(app, code))).body).toEqual({ error: 'invalid_code' });
  });

  it('R3.6: a code is still good just before its lifetime ends', async () => {
    const app = await server.addClient();
    const code = await codeFor(server, app);
    server.advance(110_000);
    expect((await exchange(server, form(app, code))).body.access_token).toBeTruthy();
  });

  it('R4.2: a forged code of the right format is invalid_code', async () => {
    const app = await server.addClient();
    expect((await exchange(server, form(app, forgedToken()))).body).toEqual({
      error: 'invalid_code',
    });
  });

  it('R4.2: a code is bound to its redirect URI: leaving redirect_uri out is refused', async () => {
    const app = await server.addClient();
    const code = await codeFor(server, app);
    expect(
      (await exchange(server, { code, client_id: app.clientId, client_secret: app.clientSecret }))
        .body,
    ).toEqual({ error: 'invalid_redirect_uri' });
  });

  it('R2: codes die with their app: a code issued before the app was deleted is refused', async () => {
    const app = await server.addClient();
    const code = await codeFor(server, app);
    await server.store.deleteClient(app.clientId);
    expect((await exchange(server, form(app, code))).body).toEqual({ error: 'invalid_client' });
  });

  it('R9: codes die when the person removes the app: a pending code is refused', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const redirect = await authorize(new Browser(server.url), user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
    });
    await server.store.removeConnectedApp(user.zuid, app.clientId);
    expect(
      (await exchange(server, form(app, redirect.searchParams.get('code') ?? ''))).body,
    ).toEqual({ error: 'invalid_code' });
  });
});
