import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeCodeChallenge } from '../../packages/client/src/pkce.ts';
import { createClient, createFileStore, createMemoryStore, OAuthError } from '@tollgate/client';
import type { ClientOptions, TokenSet } from '@tollgate/client';
import { fakeToken, sendJson, startFakeAccountsServer } from './helpers/fake-accounts-server.ts';
import type { FakeAccountsServer } from './helpers/fake-accounts-server.ts';
import { runTsx } from './helpers/run-processes.ts';

const REDIRECT = 'http://127.0.0.1:9/callback';
let server: FakeAccountsServer;
let refreshDelayMs = 0;

beforeEach(async () => {
  refreshDelayMs = 0;
  server = await startFakeAccountsServer();
  server.route('POST', '/oauth/v2/token', async (req, res) => {
    if (req.form.get('grant_type') === 'refresh_token') {
      await new Promise((resolve) => setTimeout(resolve, refreshDelayMs));
      sendJson(res, 200, {
        access_token: fakeToken(),
        api_domain: server.url,
        token_type: 'Bearer',
        expires_in: 3600,
      });
      return;
    }
    sendJson(res, 200, {
      access_token: fakeToken(),
      refresh_token: fakeToken(),
      api_domain: server.url,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'AaaServer.profile.READ',
    });
  });
});
afterEach(() => server.close());

function clientFor(extra: Partial<ClientOptions> = {}) {
  return createClient({
    accountsUrl: server.url,
    clientId: '1000.CLIENT',
    clientSecret: 'secret',
    redirectUri: REDIRECT,
    scopes: ['AaaServer.profile.READ'],
    ...extra,
  });
}

function expired(overrides: Partial<TokenSet> = {}): TokenSet {
  return {
    accessToken: 'expired-token',
    refreshToken: 'refresh-token',
    tokenType: 'Bearer',
    obtainedAt: Date.now() - 7_200_000,
    expiresAt: Date.now() - 3_600_000,
    scopes: ['AaaServer.profile.READ'],
    apiDomain: server.url,
    accountsServer: server.url,
    clientId: '1000.CLIENT',
    ...overrides,
  };
}

describe('R3.1 authorization URL', () => {
  it('R3.1: carries client, redirect, comma-separated scopes, access type, generated state and S256 challenge', () => {
    const request = clientFor({ scopes: ['A.b.READ', 'C.d.ALL'] }).authorizationUrl({
      accessType: 'offline',
      prompt: 'consent',
    });
    const url = new URL(request.url);
    expect(url.origin + url.pathname).toBe(`${server.url}/oauth/v2/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: '1000.CLIENT',
      redirect_uri: REDIRECT,
      scope: 'A.b.READ,C.d.ALL',
      access_type: 'offline',
      prompt: 'consent',
      state: request.state,
      code_challenge_method: 'S256',
    });
    expect(request.state.length).toBeGreaterThanOrEqual(43);
    expect(url.searchParams.get('code_challenge')).toBe(
      computeCodeChallenge(request.codeVerifier ?? ''),
    );
  });

  it('dc picks the Zoho accounts server without sending anything', () => {
    const client = createClient({ dc: 'au', clientId: 'c', redirectUri: REDIRECT, scopes: [] });
    expect(client.accountsServer).toBe('https://accounts.zoho.com.au');
    expect(() => createClient({ dc: 'xx' as 'us', clientId: 'c', scopes: [] })).toThrow(
      /Unknown data centre/,
    );
    expect(() => createClient({ clientId: 'c', scopes: [] })).toThrow(
      /exactly one of accountsUrl and dc/,
    );
  });
});

describe('R3.5 callback handling', () => {
  it('R3.5: checks state, sends the code and verifier to the token endpoint, stores the tokens', async () => {
    const client = clientFor();
    const { state, codeVerifier } = client.authorizationUrl();
    const tokens = await client.handleCallback(
      `${REDIRECT}?code=the-code&state=${state}&location=us&accounts-server=${encodeURIComponent(server.url)}`,
    );
    const sent = server.requests.at(-1)?.form;
    expect(sent?.get('code')).toBe('the-code');
    expect(sent?.get('code_verifier')).toBe(codeVerifier);
    expect(sent?.get('redirect_uri')).toBe(REDIRECT);
    expect(sent?.get('client_secret')).toBe('secret');
    expect(tokens).toMatchObject({
      location: 'us',
      accountsServer: server.url,
      scopes: ['AaaServer.profile.READ'],
    });
    expect(await client.getTokens()).toEqual(tokens);
  });

  it('R3.5: exchanges the code at the accounts server the callback names, when trusted', async () => {
    const other = await startFakeAccountsServer();
    other.route('POST', '/oauth/v2/token', (_req, res) =>
      sendJson(res, 200, { access_token: 'eu-token', token_type: 'Bearer', expires_in: 3600 }),
    );
    try {
      const client = clientFor({ trustedAccountsServers: [other.url] });
      const { state } = client.authorizationUrl();
      const tokens = await client.handleCallback(
        `${REDIRECT}?code=c&state=${state}&location=eu&accounts-server=${encodeURIComponent(other.url)}`,
      );
      expect(tokens.accountsServer).toBe(other.url);
      expect(other.count('POST', '/oauth/v2/token')).toBe(1);
      expect(server.count('POST', '/oauth/v2/token')).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('RFC 9700 §4.4: refuses an accounts-server it does not trust, sending nothing', async () => {
    const client = clientFor();
    const { state } = client.authorizationUrl();
    await expect(
      client.handleCallback(
        `${REDIRECT}?code=c&state=${state}&accounts-server=https%3A%2F%2Fevil.example`,
      ),
    ).rejects.toMatchObject({
      code: 'untrusted_accounts_server',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('R3.3: a state mismatch, a missing state, a malformed URL and a code-less callback are clear errors', async () => {
    const client = clientFor();
    client.authorizationUrl();
    await expect(client.handleCallback(`${REDIRECT}?code=c&state=forged`)).rejects.toMatchObject({
      code: 'state_mismatch',
    });
    await expect(client.handleCallback(`${REDIRECT}?code=c`)).rejects.toMatchObject({
      code: 'state_mismatch',
    });
    await expect(
      createClient({ accountsUrl: server.url, clientId: 'c', scopes: [] }).handleCallback(
        '::not a url',
      ),
    ).rejects.toMatchObject({
      code: 'invalid_callback',
    });
    const { state } = client.authorizationUrl();
    await expect(client.handleCallback(`${REDIRECT}?state=${state}`)).rejects.toMatchObject({
      code: 'invalid_callback',
    });
  });

  it('R3.5: Deny comes back as an access_denied OAuthError', async () => {
    const client = clientFor();
    const { state } = client.authorizationUrl();
    const error = await client
      .handleCallback(`${REDIRECT}?error=access_denied&state=${state}`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ error: 'access_denied' });
  });

  it('a callback handled elsewhere is checked against the state kept in the session', async () => {
    const first = clientFor();
    const { state, codeVerifier } = first.authorizationUrl();
    const second = clientFor();
    await second.handleCallback(`/callback?code=c&state=${state}`, { state, codeVerifier });
    expect(server.requests.at(-1)?.form.get('code_verifier')).toBe(codeVerifier);
  });

  it('R2: a self client code is exchanged without redirect_uri', async () => {
    await createClient({
      accountsUrl: server.url,
      clientId: '1000.SELF',
      clientSecret: 's',
      scopes: [],
    }).exchangeCode('self-code', { redirectUri: null });
    expect(server.requests.at(-1)?.form.has('redirect_uri')).toBe(false);
  });
});

describe('getAccessToken single-flight', () => {
  it('returns the stored token while it is fresh, without any request', async () => {
    const store = createMemoryStore(
      expired({ accessToken: 'fresh', obtainedAt: Date.now(), expiresAt: Date.now() + 3_600_000 }),
    );
    expect(await clientFor({ store }).getAccessToken()).toBe('fresh');
    expect(server.requests).toHaveLength(0);
  });

  it('100 concurrent calls with an expired token make 1 refresh request', async () => {
    refreshDelayMs = 50;
    const client = clientFor({ store: createMemoryStore(expired()) });
    const tokens = await Promise.all(Array.from({ length: 100 }, () => client.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(server.count('POST', '/oauth/v2/token')).toBe(1);
    const sent = server.requests[0]?.form;
    expect(sent?.get('grant_type')).toBe('refresh_token');
    expect(sent?.get('refresh_token')).toBe('refresh-token');
  });

  it('R5.4: refreshes within the margin before expiry, keeping the refresh token', async () => {
    const store = createMemoryStore(
      expired({ obtainedAt: Date.now() - 3_570_000, expiresAt: Date.now() + 30_000 }),
    );
    const client = clientFor({ store, refreshMarginSeconds: 60 });
    expect(await client.getAccessToken()).not.toBe('expired-token');
    expect((await store.get())?.refreshToken).toBe('refresh-token');
  });

  it('R5.1: without a refresh token says to sign in again with offline access', async () => {
    const client = clientFor({ store: createMemoryStore(expired({ refreshToken: undefined })) });
    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'no_refresh_token' });
    await expect(clientFor().getAccessToken()).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('4 processes sharing a file store make 1 refresh request', async () => {
    refreshDelayMs = 300;
    const counts = await runProcesses(4, 'lock');
    expect(counts.refreshes).toBe(1);
    expect(counts.distinctTokens).toBe(1);
  }, 60_000);

  it('control: the same 4 processes without the store lock make one refresh each', async () => {
    refreshDelayMs = 300;
    const counts = await runProcesses(4, 'no-lock');
    expect(counts.refreshes).toBe(4);
  }, 60_000);
});

async function runProcesses(
  n: number,
  mode: 'lock' | 'no-lock',
): Promise<{ refreshes: number; distinctTokens: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-client-procs-'));
  try {
    const path = join(dir, 'tokens.json');
    await createFileStore({ path, profile: 'shared' }).set(expired());
    const script = fileURLToPath(new URL('./fixtures/get-token-process.ts', import.meta.url));
    const go = join(dir, 'go');
    const running = Promise.all(
      Array.from({ length: n }, () => runTsx(script, [server.url, path, go, mode])),
    );
    while ((await readdir(dir)).filter((name) => name.startsWith('go.ready.')).length < n) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await writeFile(go, '');
    const outputs = await running;
    return {
      refreshes: server.count('POST', '/oauth/v2/token'),
      distinctTokens: new Set(outputs.map((o) => o.trim())).size,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('fetch', () => {
  it('R6.1: sends Zoho-oauthtoken and resolves relative paths against api_domain', async () => {
    server.route('GET', '/api/v2/portals', (req, res) =>
      sendJson(res, 200, { auth: req.headers.authorization }),
    );
    const store = createMemoryStore(
      expired({ accessToken: 'live', obtainedAt: Date.now(), expiresAt: Date.now() + 3_600_000 }),
    );
    const response = await clientFor({ store }).fetch('/api/v2/portals');
    expect(await response.json()).toEqual({ auth: 'Zoho-oauthtoken live' });
  });

  it('refreshes and retries once when the API rejects the token (rfc 401), and never loops', async () => {
    server.route('GET', '/api/v2/portals', (_req, res) =>
      sendJson(
        res,
        401,
        { error: 'invalid_token' },
        { 'www-authenticate': 'Bearer error="invalid_token"' },
      ),
    );
    const store = createMemoryStore(
      expired({
        accessToken: 'revoked',
        obtainedAt: Date.now(),
        expiresAt: Date.now() + 3_600_000,
      }),
    );
    const response = await clientFor({ store }).fetch('/api/v2/portals');
    expect(response.status).toBe(401);
    expect(server.count('GET', '/api/v2/portals')).toBe(2);
    expect(server.count('POST', '/oauth/v2/token')).toBe(1);
  });

  it('R0: a Zoho HTTP 200 invalid-token error body also triggers one refresh and retry', async () => {
    let calls = 0;
    server.route('GET', '/api/v2/portals', (req, res) => {
      calls += 1;
      if (calls === 1)
        sendJson(res, 200, {
          error: { code: 'INVALID_OAUTHTOKEN', message: 'Invalid OAuth token' },
        });
      else sendJson(res, 200, { data: [], auth: req.headers.authorization });
    });
    const store = createMemoryStore(
      expired({
        accessToken: 'revoked',
        obtainedAt: Date.now(),
        expiresAt: Date.now() + 3_600_000,
      }),
    );
    const body = (await (await clientFor({ store }).fetch('/api/v2/portals')).json()) as {
      auth: string;
    };
    expect(body.auth).not.toBe('Zoho-oauthtoken revoked');
    expect(calls).toBe(2);
  });

  it('concurrent rejections of the same token share one refresh', async () => {
    let calls = 0;
    server.route('GET', '/x', (req, res) => {
      calls += 1;
      if (req.headers.authorization === 'Zoho-oauthtoken revoked') sendJson(res, 401, {});
      else sendJson(res, 200, {});
    });
    refreshDelayMs = 30;
    const store = createMemoryStore(
      expired({
        accessToken: 'revoked',
        obtainedAt: Date.now(),
        expiresAt: Date.now() + 3_600_000,
      }),
    );
    const client = clientFor({ store });
    const statuses = await Promise.all(
      Array.from({ length: 10 }, async () => (await client.fetch('/x')).status),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(server.count('POST', '/oauth/v2/token')).toBe(1);
    expect(calls).toBe(20);
  });
});

describe('revoke and user info', () => {
  it('R6.3: revoke sends the refresh token to the revoke endpoint and forgets the tokens', async () => {
    server.route('POST', '/oauth/v2/token/revoke', (_req, res) =>
      sendJson(res, 200, { status: 'success' }),
    );
    const store = createMemoryStore(expired());
    await clientFor({ store }).revoke();
    expect(server.requests.at(-1)?.form.get('token')).toBe('refresh-token');
    expect(await store.get()).toBeUndefined();
  });

  it('R6.3: an already unknown token (HTTP 400) still counts as revoked', async () => {
    server.route('POST', '/oauth/v2/token/revoke', (_req, res) =>
      sendJson(res, 400, { status: 'failure' }),
    );
    const store = createMemoryStore(expired());
    await clientFor({ store }).revoke();
    expect(await store.get()).toBeUndefined();
  });

  it('R6.1: userInfo reads the profile from the accounts server', async () => {
    server.route('GET', '/oauth/user/info', (_req, res) =>
      sendJson(res, 200, {
        First_Name: 'Ada',
        Last_Name: 'L',
        Email: 'ada@example.com',
        Display_Name: 'Ada L',
        ZUID: 42,
      }),
    );
    const store = createMemoryStore(
      expired({ obtainedAt: Date.now(), expiresAt: Date.now() + 3_600_000 }),
    );
    expect(await clientFor({ store }).userInfo()).toMatchObject({
      Email: 'ada@example.com',
      ZUID: 42,
    });
  });

  it('R0: a resource error (Zoho shape) from user info is an OAuthError', async () => {
    server.route('GET', '/oauth/user/info', (_req, res) =>
      sendJson(res, 200, { error: { code: 'INSUFFICIENT_SCOPE', message: 'scope missing' } }),
    );
    const store = createMemoryStore(
      expired({ obtainedAt: Date.now(), expiresAt: Date.now() + 3_600_000 }),
    );
    await expect(clientFor({ store }).userInfo()).rejects.toMatchObject({
      error: 'INSUFFICIENT_SCOPE',
      description: 'scope missing',
    });
  });
});
