/**
 * A real third-party client drives RFC 8628 against Tollgate's rfc profile (SPEC R13.2):
 * openid-client discovers `device_authorization_endpoint`, starts the device authorization,
 * and polls the token endpoint (through authorization_pending) while a person approves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { startServer, type TestServer } from '../helpers/server.ts';
import { answerOnPage, SCOPE } from '../helpers/device.ts';
import { storeKinds } from '../helpers/stores.ts';

describe.each(storeKinds)('R13.2 openid-client device flow on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    // One second between polls keeps openid-client's real-time polling short.
    server = await startServer(kind, { profile: 'rfc', deviceInterval: 1 });
  });
  afterAll(() => server.close());

  it('R13.2: openid-client initiateDeviceAuthorization and pollDeviceAuthorizationGrant get tokens once the person approves', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const config = await client.discovery(
      new URL(server.url),
      app.clientId,
      {},
      client.ClientSecretPost(app.clientSecret),
      { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
    );
    const started = await client.initiateDeviceAuthorization(config, {
      scope: SCOPE,
      access_type: 'offline',
    });
    expect(started.verification_uri).toBe(`${server.url}/oauth/v3/device`);
    expect(started.interval).toBe(1);
    const polling = client.pollDeviceAuthorizationGrant(config, started);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await answerOnPage(server.url, user, started.user_code);
    const tokens = await polling;
    expect(tokens.access_token).toMatch(/^1000\./);
    expect(tokens.refresh_token).toMatch(/^1000\./);
    expect(tokens.scope).toBe(SCOPE);
    const info = await client.tokenIntrospection(config, tokens.access_token);
    expect(info).toMatchObject({ active: true, client_id: app.clientId });
  });
});
