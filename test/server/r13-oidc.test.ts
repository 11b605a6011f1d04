/**
 * SPEC R13.3, OpenID Connect: ID tokens with the claims the scopes allow, nonce, auth_time,
 * prompt=login and max_age, discovery, the JWK Set and /oauth/v2/userinfo; an unmodified
 * openid-client completes the code flow with PKCE and nonce. On both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  authorizeAt,
  Browser,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import { walkAuthorization } from '../../src/testing/browser.ts';

async function discover(server: TestServer, app: { clientId: string; clientSecret: string }) {
  return client.discovery(
    new URL(server.url),
    app.clientId,
    app.clientSecret,
    client.ClientSecretPost(app.clientSecret),
    { execute: [client.allowInsecureRequests] },
  );
}

/** openid-client's code flow with PKCE and nonce, the person signing in through the pages. */
async function openIdFlow(server: TestServer, scope: string, browser = new Browser(server.url)) {
  const app = await server.addClient();
  const user = await server.addUser();
  const config = await discover(server, app);
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: app.redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
  });
  const callback = await authorizeAt(browser, user, url.pathname + url.search);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedNonce: nonce,
    expectedState: state,
  });
  return { app, user, config, tokens, nonce };
}

describe.each(storeKinds)('R13.3 OpenID Connect on $name', (kind) => {
  for (const profile of ['zoho', 'rfc'] as const) {
    describe(`${profile} profile`, () => {
      let server: TestServer;
      beforeAll(async () => {
        server = await startServer(kind, { profile });
      });
      afterAll(() => server.close());

      it(`R13.3: openid-client completes a code flow with PKCE and nonce, and reads user info (${profile})`, async () => {
        const { app, user, config, tokens, nonce } = await openIdFlow(
          server,
          'openid email profile',
        );
        const claims = tokens.claims();
        expect(claims).toMatchObject({
          iss: server.url,
          sub: String(user.zuid),
          aud: app.clientId,
          nonce,
          email: user.email,
          email_verified: true,
          name: 'Ada Lovelace',
          given_name: 'Ada',
          family_name: 'Lovelace',
        });
        expect(typeof claims?.auth_time).toBe('number');
        expect((claims?.exp ?? 0) - (claims?.iat ?? 0)).toBe(3600);
        const info = await client.fetchUserInfo(config, tokens.access_token, String(user.zuid));
        expect(info).toEqual({
          sub: String(user.zuid),
          email: user.email,
          email_verified: true,
          name: 'Ada Lovelace',
          given_name: 'Ada',
          family_name: 'Lovelace',
        });
      });
    });
  }

  describe('scopes, prompt and max_age', () => {
    let server: TestServer;
    let rfc: TestServer;
    beforeAll(async () => {
      server = await startServer(kind, { profile: 'zoho' });
      rfc = await startServer(kind, { profile: 'rfc' });
    });
    afterAll(async () => {
      await server.close();
      await rfc.close();
    });

    const exchange = async (
      s: TestServer,
      app: { clientId: string; clientSecret: string; redirectUri: string },
      code: string,
    ) =>
      postForm(s.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
      });

    it('R13.3, R3.3: in the zoho profiles openid without email is invalid_scope, sent to the app', async () => {
      const app = await server.addClient();
      const user = await server.addUser();
      const redirect = await authorize(new Browser(server.url), user, {
        ...app,
        scope: 'openid profile',
        state: 's1',
      });
      expect(redirect.searchParams.get('error')).toBe('invalid_scope');
      expect(redirect.searchParams.get('state')).toBe('s1');
      expect(redirect.searchParams.get('code')).toBeNull();
    });

    it('R13.3: in rfc openid alone gives an ID token with only the standard claims', async () => {
      const app = await rfc.addClient();
      const user = await rfc.addUser();
      const redirect = await authorize(new Browser(rfc.url), user, { ...app, scope: 'openid' });
      const res = await exchange(rfc, app, redirect.searchParams.get('code') ?? '');
      expect(res.status).toBe(200);
      const claims = decodeJwt(res.body.id_token as string);
      expect(Object.keys(claims).sort()).toEqual(['aud', 'auth_time', 'exp', 'iat', 'iss', 'sub']);
      const jwks = (await (await fetch(`${rfc.url}/oauth/v2/keys`)).json()) as Parameters<
        typeof createLocalJWKSet
      >[0];
      const verified = await jwtVerify(res.body.id_token as string, createLocalJWKSet(jwks), {
        issuer: rfc.url,
        audience: app.clientId,
        algorithms: ['RS256'],
      });
      expect(verified.protectedHeader.typ).toBe('JWT');
    });

    it('R13.3: no openid scope, no ID token; a token without openid is refused at /oauth/v2/userinfo', async () => {
      const app = await server.addClient();
      const user = await server.addUser();
      const redirect = await authorize(new Browser(server.url), user, { ...app });
      const res = await exchange(server, app, redirect.searchParams.get('code') ?? '');
      expect(res.body.access_token).toBeDefined();
      expect(res.body.id_token).toBeUndefined();
      const info = await fetch(`${server.url}/oauth/v2/userinfo`, {
        headers: { authorization: `Bearer ${res.body.access_token as string}` },
      });
      expect(((await info.json()) as { error: { code: number } }).error.code).toBe(1007);
      const rfcInfo = await fetch(`${rfc.url}/oauth/v2/userinfo`, {
        headers: { authorization: 'Bearer 1000.nope' },
      });
      expect(rfcInfo.status).toBe(401);
      expect(rfcInfo.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });

    it('R13.3: prompt=login asks a signed-in person to sign in again, and auth_time follows', async () => {
      const app = await server.addClient();
      const user = await server.addUser();
      const browser = new Browser(server.url);
      const first = await authorize(browser, user, {
        ...app,
        scope: 'openid email',
        extra: { nonce: 'n1' },
      });
      const firstToken = decodeJwt(
        (await exchange(server, app, first.searchParams.get('code') ?? '')).body.id_token as string,
      );
      expect(firstToken.nonce).toBe('n1');
      server.advance(60_000);
      // Signed in and consented: without prompt=login, straight back to the app.
      const quiet = await browser.get(
        `/oauth/v2/auth?${new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: app.redirectUri, scope: 'openid email' }).toString()}`,
      );
      expect(quiet.status).toBe(302);
      const url = `/oauth/v2/auth?${new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: app.redirectUri, scope: 'openid email', prompt: 'login', nonce: 'n1' }).toString()}`;
      const page = await browser.get(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('name="password"');
      const again = await authorizeAt(browser, user, url);
      const second = decodeJwt(
        (await exchange(server, app, again.searchParams.get('code') ?? '')).body.id_token as string,
      );
      // The same nonce twice is the client's business: both answers carry it.
      expect(second.nonce).toBe('n1');
      expect(
        (second.auth_time as number) - (firstToken.auth_time as number),
      ).toBeGreaterThanOrEqual(60);
    });

    it('R13.3: max_age=0 forces a sign-in each time; a recent enough sign-in satisfies max_age', async () => {
      const app = await server.addClient();
      const user = await server.addUser();
      const browser = new Browser(server.url);
      await authorize(browser, user, { ...app, scope: 'openid email' });
      const query = (maxAge: string) =>
        `/oauth/v2/auth?${new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: app.redirectUri, scope: 'openid email', max_age: maxAge }).toString()}`;
      expect((await browser.get(query('600'))).status).toBe(302);
      const forced = await browser.get(query('0'));
      expect(await forced.text()).toContain('name="password"');
      const outcome = await walkAuthorization(browser, user, query('0'));
      expect('redirect' in outcome && outcome.redirect.searchParams.get('code')).toBeTruthy();
      server.advance(120_000);
      expect(await (await browser.get(query('60'))).text()).toContain('name="password"');
      const bad = await browser.get(query('soon'));
      expect(new URL(bad.headers.get('location') ?? '').searchParams.get('error')).toBe(
        'invalid_request',
      );
    });

    it('R13.3: discovery lists the OIDC endpoints, keys, claims and the identity scopes', async () => {
      const doc = (await (
        await fetch(`${server.url}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      expect(doc).toMatchObject({
        issuer: server.url,
        authorization_endpoint: `${server.url}/oauth/v2/auth`,
        token_endpoint: `${server.url}/oauth/v2/token`,
        userinfo_endpoint: `${server.url}/oauth/v2/userinfo`,
        jwks_uri: `${server.url}/oauth/v2/keys`,
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
      expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
      expect(doc.claims_supported).toEqual(expect.arrayContaining(['sub', 'nonce', 'auth_time']));
      const oauth = (await (
        await fetch(`${server.url}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      expect(oauth.userinfo_endpoint).toBe(`${server.url}/oauth/user/info`);
      expect(oauth.jwks_uri).toBe(`${server.url}/oauth/v2/keys`);
    });
  });
});
