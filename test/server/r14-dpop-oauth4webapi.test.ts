/**
 * SPEC R14.7 with a real third-party client: `oauth4webapi` (panva) discovers Tollgate, pushes
 * its authorization request (PAR) with a DPoP proof, exchanges the code, refreshes and calls
 * user info with DPoP, all against the rfc profile, on both stores.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { authorizeAt, Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';

describe.each(storeKinds)('R14.7 oauth4webapi with DPoP on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { profile: 'rfc', throttle: false });
  });
  afterAll(() => server.close());

  it.each(['server', 'mobile'] as const)(
    'R14.7: oauth4webapi completes PAR + DPoP code flow, refresh and user info (%s client)',
    async (type) => {
      const app = await server.addClient({ type, redirectUris: ['https://app.example.com/cb'] });
      const user = await server.addUser();
      const insecure = { [oauth.allowInsecureRequests]: true } as const;
      const issuer = new URL(server.url);
      const as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
      );
      expect(as.dpop_signing_alg_values_supported).toContain('ES256');
      const c: oauth.Client = { client_id: app.clientId };
      const auth = type === 'server' ? oauth.ClientSecretPost(app.clientSecret) : oauth.None();
      const keyPair = await oauth.generateKeyPair('ES256');
      const DPoP = oauth.DPoP(c, keyPair);
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();

      const par = await oauth.processPushedAuthorizationResponse(
        as,
        c,
        await oauth.pushedAuthorizationRequest(
          as,
          c,
          auth,
          new URLSearchParams({
            response_type: 'code',
            redirect_uri: app.redirectUri,
            scope: 'AaaServer.profile.READ',
            access_type: 'offline',
            state,
            code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
            code_challenge_method: 'S256',
          }),
          { DPoP, ...insecure },
        ),
      );
      const callback = await authorizeAt(
        new Browser(server.url),
        user,
        `/oauth/v2/auth?${new URLSearchParams({ client_id: app.clientId, request_uri: par.request_uri }).toString()}`,
      );
      const params = oauth.validateAuthResponse(as, c, callback, state);
      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        c,
        await oauth.authorizationCodeGrantRequest(as, c, auth, params, app.redirectUri, verifier, {
          DPoP,
          ...insecure,
        }),
      );
      expect(tokens.token_type).toBe('dpop');
      expect(tokens.refresh_token).toMatch(/^1000\./);

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        c,
        await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refresh_token ?? '', {
          DPoP,
          ...insecure,
        }),
      );
      expect(refreshed.token_type).toBe('dpop');

      const res = await oauth.protectedResourceRequest(
        refreshed.access_token,
        'GET',
        new URL(`${server.url}/oauth/user/info`),
        new Headers(),
        null,
        { DPoP, ...insecure },
      );
      expect(res.status).toBe(200);
      expect(((await res.json()) as Record<string, unknown>).Email).toBe(user.email);

      // The token is bound to the client's key: a resource server sees cnf.jkt by introspection.
      const rs = await server.addClient();
      const info = await postForm(server.url, '/oauth/v2/introspect', {
        token: refreshed.access_token,
        client_id: rs.clientId,
        client_secret: rs.clientSecret,
      });
      expect(info.body).toMatchObject({
        active: true,
        token_type: 'DPoP',
        cnf: { jkt: await DPoP.calculateThumbprint() },
      });
    },
  );
});
