import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, createFileStore, createMemoryStore, OAuthError } from '@tollgate/client';
import type { ClientOptions, TokenStore } from '@tollgate/client';
import { consentOverHttp, startCountingServer, WIRE_PROFILES } from './helpers/tollgate.ts';
import type { CountingServer } from './helpers/tollgate.ts';
import { runTsx } from './helpers/run-processes.ts';

const REDIRECT = 'http://127.0.0.1:9/callback';
const SCOPES = ['AaaServer.profile.READ'];
const TTL_SECONDS = 1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(WIRE_PROFILES)('the SDK against a Tollgate server speaking %s', (profile) => {
  let server: CountingServer;
  let app: { clientId: string; clientSecret: string };
  let user: { email: string; password: string };

  beforeAll(async () => {
    server = await startCountingServer({ profile, throttle: false, accessTokenTtl: TTL_SECONDS });
    app = await server.addClient({ redirectUris: [REDIRECT] });
    user = await server.addUser();
  });
  afterAll(() => server.close());

  const clientWith = (store: TokenStore, extra: Partial<ClientOptions> = {}) =>
    createClient({
      accountsUrl: server.url,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUri: REDIRECT,
      scopes: SCOPES,
      store,
      ...extra,
    });

  async function signedIn(store: TokenStore = createMemoryStore()) {
    const client = clientWith(store);
    await client.handleCallback(await consentOverHttp(server, client, user, { prompt: 'consent' }));
    return client;
  }

  it('R3.5, R4.3, R0: sign-in and code exchange store tokens with the right expiry, location and api_domain', async () => {
    const client = clientWith(createMemoryStore());
    const tokens = await client.handleCallback(
      await consentOverHttp(server, client, user, { prompt: 'consent' }),
    );
    expect(tokens).toMatchObject({
      location: 'us',
      accountsServer: server.url,
      apiDomain: server.url,
      scopes: SCOPES,
    });
    expect(tokens.refreshToken).toMatch(/^1000\./);
    expect(tokens.expiresAt - tokens.obtainedAt).toBe(TTL_SECONDS * 1000);
    expect(await client.userInfo()).toMatchObject({ Email: user.email });
  });

  it('R5.4: an expired access token is refreshed before use, and 100 concurrent callers share 1 refresh request', async () => {
    const client = await signedIn();
    const before = await client.getAccessToken();
    await sleep(TTL_SECONDS * 1000 + 100);
    const refreshesBefore = server.count('POST', '/oauth/v2/token');
    const tokens = await Promise.all(Array.from({ length: 100 }, () => client.getAccessToken()));
    expect(server.count('POST', '/oauth/v2/token') - refreshesBefore).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(before);
    expect(await client.userInfo()).toMatchObject({ Email: user.email });
  });

  it('R6.1: an access token the server no longer accepts is refreshed once and the call retried', async () => {
    const client = await signedIn();
    const access = await client.getAccessToken();
    const revoked = await fetch(`${server.url}/oauth/v2/token/revoke?token=${access}`, {
      method: 'POST',
    });
    expect(revoked.status).toBe(200);
    const tokenCalls = server.count('POST', '/oauth/v2/token');
    const infoCalls = server.count('GET', '/oauth/user/info');
    expect(await client.userInfo()).toMatchObject({ Email: user.email });
    expect(server.count('POST', '/oauth/v2/token') - tokenCalls).toBe(1);
    expect(server.count('GET', '/oauth/user/info') - infoCalls).toBe(2);
  });

  it('R6.3: revoke ends the refresh token at the server and forgets it locally', async () => {
    const store = createMemoryStore();
    const client = await signedIn(store);
    const kept = await store.get();
    await client.revoke();
    expect(await store.get()).toBeUndefined();
    if (kept === undefined) throw new Error('no tokens');
    const error = await clientWith(createMemoryStore(kept))
      .refresh()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject(
      profile === 'rfc'
        ? { error: 'invalid_grant', status: 400 }
        : { error: 'invalid_code', status: 200 },
    );
    expect((error as OAuthError).hint).toMatch(/revoked/);
  });

  it('R0: a reused code and a wrong secret are OAuthErrors in this dialect, with hints', async () => {
    const client = clientWith(createMemoryStore());
    const callback = await consentOverHttp(server, client, user, { pkce: false });
    const code = callback.searchParams.get('code') ?? '';
    await client.exchangeCode(code);
    const reused = await client.exchangeCode(code).catch((e: unknown) => e);
    expect(reused).toMatchObject(
      profile === 'rfc'
        ? { error: 'invalid_grant', status: 400 }
        : { error: 'invalid_code', status: 200 },
    );
    const wrong = await clientWith(createMemoryStore(), { clientSecret: 'f'.repeat(42) })
      .exchangeCode('1000.' + '0'.repeat(32) + '.' + '0'.repeat(32))
      .catch((e: unknown) => e);
    // R13.6: Zoho names a wrong secret of a known client.
    expect(wrong).toMatchObject(
      profile === 'rfc'
        ? { error: 'invalid_client', status: 401 }
        : { error: 'invalid_client_secret', status: 200 },
    );
    expect((wrong as OAuthError).hint).toContain(server.url);
  });

  it('R4.5, RFC 8252 §7.3: a public mobile client on any loopback port, with PKCE and rotating refresh tokens', async () => {
    const mobile = await server.addClient({
      type: 'mobile',
      redirectUris: ['http://127.0.0.1/callback'],
    });
    const store = createMemoryStore();
    const client = createClient({
      accountsUrl: server.url,
      clientId: mobile.clientId,
      redirectUri: 'http://127.0.0.1:54321/callback',
      scopes: SCOPES,
      store,
    });
    const first = await client.handleCallback(
      await consentOverHttp(server, client, user, { prompt: 'consent' }),
    );
    const second = await client.refresh();
    const third = await client.refresh();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(third.refreshToken).not.toBe(second.refreshToken);
    expect((await store.get())?.refreshToken).toBe(third.refreshToken);
    expect(await client.userInfo()).toMatchObject({ Email: user.email });
  });

  it('4 processes sharing a file store make 1 refresh request, counted at the server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-client-procs-'));
    try {
      const path = join(dir, 'tokens.json');
      await signedIn(createFileStore({ path, profile: 'shared' }));
      await sleep(TTL_SECONDS * 1000 + 100);
      const script = fileURLToPath(new URL('./fixtures/get-token-process.ts', import.meta.url));
      const go = join(dir, 'go');
      const env = {
        TOLLGATE_TEST_CLIENT_ID: app.clientId,
        TOLLGATE_TEST_CLIENT_SECRET: app.clientSecret,
      };
      const before = server.count('POST', '/oauth/v2/token');
      const running = Promise.all(
        Array.from({ length: 4 }, () => runTsx(script, [server.url, path, go, 'lock'], env)),
      );
      while ((await readdir(dir)).filter((name) => name.startsWith('go.ready.')).length < 4)
        await sleep(10);
      await writeFile(go, '');
      const outputs = await running;
      expect(server.count('POST', '/oauth/v2/token') - before).toBe(1);
      expect(new Set(outputs.map((o) => o.trim())).size).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.each(WIRE_PROFILES)('throttling by a Tollgate server speaking %s', (profile) => {
  let server: CountingServer;
  beforeAll(async () => {
    server = await startCountingServer({ profile, refreshMintLimit: 2 });
  });
  afterAll(() => server.close());

  it('R5.5: past the refresh throttle the SDK retries within its bound, then throws a throttled OAuthError', async () => {
    const app = await server.addClient({ redirectUris: [REDIRECT] });
    const user = await server.addUser();
    const maxRetries = 2;
    const client = createClient({
      accountsUrl: server.url,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUri: REDIRECT,
      scopes: SCOPES,
      throttle: { maxRetries, baseDelayMs: 20, maxWaitMs: 1000 },
    });
    await client.handleCallback(await consentOverHttp(server, client, user));
    await client.refresh();
    await client.refresh();
    const before = server.count('POST', '/oauth/v2/token');
    const error = await client.refresh().catch((e: unknown) => e);
    const attempts = server.count('POST', '/oauth/v2/token') - before;
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ throttled: true });
    expect((error as OAuthError).hint).toMatch(/retry/);
    if (profile === 'rfc') {
      // The rfc profile says when (Retry-After, minutes here): beyond the bound, so no retry.
      expect((error as OAuthError).retryAfterSeconds).toBeGreaterThan(1);
      expect(attempts).toBe(1);
    } else {
      expect(attempts).toBe(1 + maxRetries);
    }
  });
});
