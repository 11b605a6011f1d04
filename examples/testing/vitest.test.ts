/**
 * Testing a Zoho integration with Tollgate and vitest: a fresh server per file, a person and an
 * app, a code without a browser, and the app's own token code run against it.
 *
 *   npm install --save-dev tollgate vitest
 *   npx vitest run
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  startTollgate,
  type TestClient,
  type TestUser,
  type TollgateHandle,
} from 'tollgate/testing';
import { createClient } from '@tollgate/client';

let tollgate: TollgateHandle;
let user: TestUser;
let app: TestClient;

beforeAll(async () => {
  tollgate = await startTollgate();
  user = await tollgate.createUser({ firstName: 'Ada', lastName: 'Lovelace' });
  app = await tollgate.createClient({
    name: 'My CRM sync',
    redirectUris: ['http://127.0.0.1:5173/callback'],
  });
});

afterAll(() => tollgate.stop());

test('the app signs a person in and reads their profile', async () => {
  // The app under test: here the SDK, in your suite your own code, pointed at tollgate.url.
  const sdk = createClient({
    accountsUrl: tollgate.url,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: 'http://127.0.0.1:5173/callback',
    scopes: ['AaaServer.profile.READ'],
  });
  const request = sdk.authorizationUrl({ accessType: 'offline' });

  // The person opens the URL, signs in and accepts; the app gets the redirect.
  const redirect = await tollgate.openAuthorizationUrl(request.url, { user });
  if (!('code' in redirect)) throw new Error(`authorization failed: ${redirect.error}`);

  await sdk.handleCallback(redirect.url, {
    state: request.state,
    codeVerifier: request.codeVerifier,
  });
  const me = await sdk.userInfo();
  expect(me.Email).toBe(user.email);
  expect(me.Display_Name).toBe('Ada Lovelace');
});

test('a code for a scope the app did not ask for is an error sent to the app', async () => {
  const result = await tollgate.authorize({
    clientId: app.clientId,
    user,
    scope: 'NoSuch.thing.READ',
    state: 's1',
  });
  expect(result).toMatchObject({ error: 'invalid_scope', state: 's1' });
});
