// Testing a Zoho integration with Tollgate and Node's own test runner (no TypeScript, no loader):
//
//   npm install --save-dev tollgate
//   node --test examples/testing/node-test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTollgate } from 'tollgate/testing';

let tollgate;

before(async () => {
  tollgate = await startTollgate({ profile: 'zoho' });
});

after(() => tollgate.stop());

test('code -> token -> user info, the way the app does it', async () => {
  const user = await tollgate.createUser();
  const app = await tollgate.createClient({ redirectUris: ['https://app.example.com/callback'] });
  const { code, location, accountsServer } = await tollgate.authorize({
    clientId: app.clientId,
    user,
    scope: 'AaaServer.profile.READ',
    accessType: 'offline',
  });
  assert.equal(location, 'us');
  assert.equal(accountsServer, tollgate.url);

  // The app's own token request, as Zoho documents it.
  const token = await fetch(`${tollgate.url}/oauth/v2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: 'https://app.example.com/callback',
    }),
  }).then((res) => res.json());
  assert.equal(token.token_type, 'Bearer');
  assert.ok(token.refresh_token);

  const me = await fetch(`${token.api_domain}/oauth/user/info`, {
    headers: { authorization: `Zoho-oauthtoken ${token.access_token}` },
  }).then((res) => res.json());
  assert.equal(me.Email, user.email);
});

test('a wrong code is refused the Zoho way (HTTP 200, invalid_code)', async () => {
  const app = await tollgate.createClient();
  const res = await fetch(`${tollgate.url}/oauth/v2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: '1000.nope',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: 'https://app.example.com/callback',
    }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { error: 'invalid_code' });
});
