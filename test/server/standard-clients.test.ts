/**
 * Unmodified standard clients against the rfc profile (issue 2): oauth4webapi and openid-client,
 * with discovery (RFC 8414), PKCE S256, client_secret_post and client_secret_basic, and refresh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { storeKinds } from '../helpers/stores.ts';
import { authorizeAt, Browser, startServer, type TestServer } from '../helpers/server.ts';

describe.each(storeKinds)('standard clients on $name (rfc profile)', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { profile: 'rfc' });
  });
  afterAll(() => server.close());

  it('oauth4webapi: discovery, PKCE S256, client_secret_basic, refresh, revocation', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, {
        algorithm: 'oauth2',
        [oauth.allowInsecureRequests]: true,
      }),
    );
    const c: oauth.Client = { client_id: app.clientId };
    const auth = oauth.ClientSecretBasic(app.clientSecret);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint ?? '');
    url.search = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      response_type: 'code',
      scope: 'AaaServer.profile.READ',
      access_type: 'offline',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await authorizeAt(new Browser(server.url), user, url.pathname + url.search);
    const params = oauth.validateAuthResponse(as, c, callback, state);
    const tokenRes = await oauth.authorizationCodeGrantRequest(
      as,
      c,
      auth,
      params,
      app.redirectUri,
      verifier,
      { [oauth.allowInsecureRequests]: true },
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, c, tokenRes);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.refresh_token).toBeDefined();

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      c,
      await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refresh_token ?? '', {
        [oauth.allowInsecureRequests]: true,
      }),
    );
    expect(refreshed.access_token).not.toBe(tokens.access_token);

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, c, auth, tokens.refresh_token ?? '', {
        [oauth.allowInsecureRequests]: true,
      }),
    );
    const again = await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refresh_token ?? '', {
      [oauth.allowInsecureRequests]: true,
    });
    await expect(oauth.processRefreshTokenResponse(as, c, again)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('openid-client: discovery, PKCE S256, client_secret_post, refresh, introspection', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const config = await client.discovery(
      new URL(server.url),
      app.clientId,
      { redirect_uris: [app.redirectUri] },
      client.ClientSecretPost(app.clientSecret),
      {
        algorithm: 'oauth2',
        execute: [client.allowInsecureRequests],
      },
    );
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: app.redirectUri,
      scope: 'AaaServer.profile.READ SalesIQ.portals.READ',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      access_type: 'offline',
    });
    const callback = await authorizeAt(new Browser(server.url), user, url.pathname + url.search);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.scope).toBe('AaaServer.profile.READ SalesIQ.portals.READ');
    expect(tokens.expiresIn()).toBeGreaterThan(3500);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.access_token).toMatch(/^1000\./);
    const info = await client.tokenIntrospection(config, refreshed.access_token);
    expect(info.active).toBe(true);
    expect(info.client_id).toBe(app.clientId);
    await client.tokenRevocation(config, tokens.refresh_token ?? '');
    expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
  });

  it('oauth4webapi rejects a response from the wrong issuer (RFC 9207 iss is sent in the rfc profile)', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, {
        algorithm: 'oauth2',
        [oauth.allowInsecureRequests]: true,
      }),
    );
    const url = `/oauth/v2/auth?${new URLSearchParams({ client_id: app.clientId, redirect_uri: app.redirectUri, response_type: 'code', scope: 'AaaServer.profile.READ', state: 's' }).toString()}`;
    const callback = await authorizeAt(new Browser(server.url), user, url);
    expect(callback.searchParams.get('iss')).toBe(server.url);
    expect(() =>
      oauth.validateAuthResponse(
        { ...as, issuer: 'https://other.example.com' },
        { client_id: app.clientId },
        callback,
        's',
      ),
    ).toThrow();
  });
});
