/**
 * SPEC R14.3 with unmodified standard clients: openid-client's dynamicClientRegistration (with
 * an initial access token) and oauth4webapi's registration request register at Tollgate and then
 * complete the code flow with PKCE as the apps they registered. Both stores, rfc profile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { createRegistrationToken } from '../../src/core/dynamic-registration.ts';
import { storeKinds } from '../helpers/stores.ts';
import { authorizeAt, Browser, startServer, type TestServer } from '../helpers/server.ts';

const REDIRECT = 'https://registered.example.com/callback';

describe.each(storeKinds)('R14.3 standard clients register on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { profile: 'rfc', registration: 'token' });
  });
  afterAll(() => server.close());

  it('R14.3: openid-client discovers the registration endpoint, registers with an initial access token, and signs a person in as that app', async () => {
    const { token } = await createRegistrationToken(server.store, {
      label: 'openid-client',
      now: server.now(),
      lifetimeSeconds: null,
    });
    const user = await server.addUser();
    const config = await client.dynamicClientRegistration(
      new URL(server.url),
      { redirect_uris: [REDIRECT], client_name: 'openid-client app' },
      undefined,
      { algorithm: 'oauth2', execute: [client.allowInsecureRequests], initialAccessToken: token },
    );
    const registered = config.clientMetadata();
    expect(registered.client_id).toMatch(/^1000\.[A-Z0-9]{30}$/);
    expect(registered.client_secret).toMatch(/^[0-9a-f]{42}$/);
    expect(registered.token_endpoint_auth_method).toBe('client_secret_basic');
    expect((await server.store.findClient(registered.client_id))?.name).toBe('openid-client app');

    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'AaaServer.profile.READ',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = await authorizeAt(new Browser(server.url), user, url.pathname + url.search);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.access_token).toMatch(/^1000\./);
  });

  it('R14.3: oauth4webapi registers a public client (none) and exchanges a PKCE code without a secret', async () => {
    const { token } = await createRegistrationToken(server.store, {
      label: 'oauth4webapi',
      now: server.now(),
      lifetimeSeconds: null,
    });
    const user = await server.addUser();
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, {
        algorithm: 'oauth2',
        [oauth.allowInsecureRequests]: true,
      }),
    );
    expect(as.registration_endpoint).toBe(`${server.url}/oauth/v2/register`);
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          redirect_uris: ['http://127.0.0.1/callback'],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
        },
        { initialAccessToken: token, [oauth.allowInsecureRequests]: true },
      ),
    );
    expect(registered.client_secret).toBeUndefined();
    const c: oauth.Client = { client_id: registered.client_id };
    const verifier = oauth.generateRandomCodeVerifier();
    const params = new URLSearchParams({
      client_id: c.client_id,
      redirect_uri: 'http://127.0.0.1:48123/callback',
      response_type: 'code',
      scope: 'AaaServer.profile.READ',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = await authorizeAt(
      new Browser(server.url),
      user,
      `/oauth/v2/auth?${params.toString()}`,
    );
    const result = await oauth.processAuthorizationCodeResponse(
      as,
      c,
      await oauth.authorizationCodeGrantRequest(
        as,
        c,
        oauth.None(),
        oauth.validateAuthResponse(as, c, callback),
        'http://127.0.0.1:48123/callback',
        verifier,
        { [oauth.allowInsecureRequests]: true },
      ),
    );
    expect(result.token_type).toBe('bearer');
    expect(result.access_token).toMatch(/^1000\./);
  });
});
