import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTollgate, type TestClient, type TollgateHandle } from 'tollgate/testing';

// The code under test: your app's own token handling, written against Zoho's endpoints.
// Here it is a few lines of fetch; in your suite, import your module and point it at tollgate.url.
const REDIRECT_URI = 'http://127.0.0.1:5173/callback';

/** Zoho's answer: the tokens, or (still HTTP 200) just `error`. */
interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  scope: string;
  error?: string;
}

async function tokenRequest(accounts: string, form: Record<string, string>) {
  const res = await fetch(`${accounts}/oauth/v2/token`, {
    method: 'POST',
    body: new URLSearchParams(form),
  });
  return (await res.json()) as TokenAnswer;
}

function exchangeCode(accounts: string, app: TestClient, code: string) {
  return tokenRequest(accounts, {
    grant_type: 'authorization_code',
    code,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    redirect_uri: REDIRECT_URI,
  });
}

function refresh(accounts: string, app: TestClient, refreshToken: string) {
  return tokenRequest(accounts, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: app.clientId,
    client_secret: app.clientSecret,
  });
}

async function readProfile(accounts: string, accessToken: string) {
  const res = await fetch(`${accounts}/oauth/user/info`, {
    headers: { Authorization: `Zoho-oauthtoken ${accessToken}` },
  });
  return (await res.json()) as Record<string, unknown>;
}

let tollgate: TollgateHandle;
let app: TestClient;

beforeAll(async () => {
  // A fresh server with its own in-memory database; the emulator controls are on.
  tollgate = await startTollgate({ limits: 'zoho-crm' });
  app = await tollgate.createClient({ name: 'CRM sync', redirectUris: [REDIRECT_URI] });
});

afterAll(() => tollgate.stop());

test('tokens expire, refresh, and survive a throttled refresh', async () => {
  // 1. A person signs in and accepts; the app gets a code (no browser needed).
  const user = await tollgate.createUser({ firstName: 'Ada', lastName: 'Lovelace' });
  const redirect = await tollgate.authorize({
    clientId: app.clientId,
    user,
    scope: 'ZohoCRM.modules.ALL,AaaServer.profile.READ',
    accessType: 'offline',
  });
  if (!('code' in redirect)) throw new Error(`authorization failed: ${redirect.error}`);

  // 2. The app's own code exchanges it.
  const tokens = await exchangeCode(tollgate.url, app, redirect.code);
  expect(tokens.scope).toBe('ZohoCRM.modules.ALL AaaServer.profile.READ');
  expect((await readProfile(tollgate.url, tokens.access_token)).Email).toBe(user.email);

  // 3. An hour passes: the access token stops working, as it would at Zoho.
  tollgate.clock.advance('1h');
  const expired = await readProfile(tollgate.url, tokens.access_token);
  expect(expired.error).toBeDefined();

  // 4. Zoho throttles the next refresh: the app sees Zoho's exact "Access Denied" answer.
  tollgate.faults.add({
    endpoint: 'token',
    when: { grant_type: 'refresh_token' },
    action: 'throttle',
  });
  const throttled = await refresh(tollgate.url, app, tokens.refresh_token);
  expect(throttled.error).toBe('Access Denied');

  // 5. The fault was used once; the retry gets a fresh access token.
  const fresh = await refresh(tollgate.url, app, tokens.refresh_token);
  expect((await readProfile(tollgate.url, fresh.access_token)).Email).toBe(user.email);

  // 6. What did the app actually send? The request log, with secrets masked.
  const calls = tollgate.requests.list({ endpoint: 'token', client_id: app.clientId });
  expect(calls.map((c) => c.params.grant_type)).toEqual([
    'authorization_code',
    'refresh_token',
    'refresh_token',
  ]);
  expect(calls[1]?.fault_id).not.toBeNull();
  expect(calls[0]?.params.client_secret).toBe(`${app.clientSecret.slice(0, 8)}…`);
});
