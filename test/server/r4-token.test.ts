/**
 * SPEC R4: the token endpoint. Each test names the rule it checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  Browser,
  obtainTokens,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

const verifier = (): string => randomBytes(32).toString('base64url');
const challengeOf = (v: string): string => createHash('sha256').update(v).digest('base64url');

describe.each(storeKinds)('R4 token endpoint on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  async function freshCode(
    o: {
      type?: 'server' | 'client' | 'mobile';
      challenge?: string;
      method?: string;
      accessType?: 'offline' | 'online';
      scope?: string;
      state?: string;
    } = {},
  ) {
    const app = await server.addClient({ type: o.type ?? 'server' });
    const user = await server.addUser();
    const redirect = await authorize(new Browser(server.url), user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      scope: o.scope ?? 'AaaServer.profile.READ',
      state: o.state ?? 'st',
      accessType: o.accessType ?? 'offline',
      ...(o.challenge
        ? { codeChallenge: o.challenge, codeChallengeMethod: o.method ?? 'S256' }
        : {}),
    });
    return { app, user, code: redirect.searchParams.get('code') ?? '' };
  }

  const exchangeForm = (
    app: { clientId: string; clientSecret: string; redirectUri: string },
    code: string,
  ): Record<string, string> => ({
    grant_type: 'authorization_code',
    code,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    redirect_uri: app.redirectUri,
  });

  it('R4.1: parameters in the query string with an empty JSON-typed body are accepted', async () => {
    const { app, code } = await freshCode();
    const q = new URLSearchParams(exchangeForm(app, code));
    const res = await fetch(`${server.url}/oauth/v2/token?${q.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Record<string, unknown>).access_token).toBeDefined();
  });

  it('R4.1: parameters in a multipart/form-data body are accepted (Zoho SDKs send multipart)', async () => {
    const { app, code } = await freshCode();
    const form = new FormData();
    for (const [k, v] of Object.entries(exchangeForm(app, code))) form.append(k, v);
    const res = await fetch(`${server.url}/oauth/v2/token`, { method: 'POST', body: form });
    expect(((await res.json()) as Record<string, unknown>).access_token).toBeDefined();
  });

  it('R4.1: a multipart file part is rejected with invalid_request', async () => {
    const { app, code } = await freshCode();
    const form = new FormData();
    for (const [k, v] of Object.entries(exchangeForm(app, code))) form.append(k, v);
    form.append('upload', new Blob(['hello']), 'a.txt');
    const res = await fetch(`${server.url}/oauth/v2/token`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ error: 'invalid_request' });
  });

  it('R4.1: the same parameter with different values in query and body is invalid_request', async () => {
    const { app, code } = await freshCode();
    const res = await postForm(
      server.url,
      `/oauth/v2/token?client_id=other`,
      exchangeForm(app, code),
    );
    expect(res.body).toEqual({ error: 'invalid_request' });
  });

  it('R4.1: the same value in query and body is fine', async () => {
    const { app, code } = await freshCode();
    const res = await postForm(
      server.url,
      `/oauth/v2/token?client_id=${app.clientId}`,
      exchangeForm(app, code),
    );
    expect(res.body.access_token).toBeDefined();
  });

  it('R4.1: a GET is rejected', async () => {
    const res = await fetch(`${server.url}/oauth/v2/token?grant_type=refresh_token`);
    expect(await res.json()).toEqual({ error: 'invalid_request' });
  });

  it('R4.1: a non-empty body of another content type is invalid_request, not a 5xx', async () => {
    const res = await fetch(`${server.url}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'grant_type=x',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ error: 'invalid_request' });
  });

  it('R4.1: client authentication by HTTP Basic works', async () => {
    const { app, code } = await freshCode();
    const basic = Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64');
    const res = await postForm(
      server.url,
      '/oauth/v2/token',
      { grant_type: 'authorization_code', code, redirect_uri: app.redirectUri },
      { authorization: `Basic ${basic}` },
    );
    expect(res.body.access_token).toBeDefined();
  });

  it('R4.1: Basic and a client_secret parameter together are invalid_request', async () => {
    const { app, code } = await freshCode();
    const basic = Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64');
    const res = await postForm(server.url, '/oauth/v2/token', exchangeForm(app, code), {
      authorization: `Basic ${basic}`,
    });
    expect(res.body).toEqual({ error: 'invalid_request' });
  });

  it('R4.1, R13.6: a wrong client secret is invalid_client_secret in the zoho profile', async () => {
    const { app, code } = await freshCode();
    const res = await postForm(server.url, '/oauth/v2/token', {
      ...exchangeForm(app, code),
      client_secret: '0'.repeat(42),
    });
    expect(res.body).toEqual({ error: 'invalid_client_secret' });
  });

  it('R4.1: public clients send no secret and must use PKCE', async () => {
    const v = verifier();
    const { app, code } = await freshCode({ type: 'client', challenge: challengeOf(v) });
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code,
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      code_verifier: v,
    });
    expect(res.body.access_token).toBeDefined();
  });

  it('R4.2: redirect_url (Zoho alias) works in the exchange', async () => {
    const { app, code } = await freshCode();
    const { redirect_uri: uri, ...rest } = exchangeForm(app, code);
    const res = await postForm(server.url, '/oauth/v2/token', {
      ...rest,
      redirect_url: uri as string,
    });
    expect(res.body.access_token).toBeDefined();
  });

  it('R4.2: a different redirect_uri is invalid_redirect_uri', async () => {
    const { app, code } = await freshCode();
    const res = await postForm(server.url, '/oauth/v2/token', {
      ...exchangeForm(app, code),
      redirect_uri: 'https://app.example.com/other',
    });
    expect(res.body).toEqual({ error: 'invalid_redirect_uri' });
  });

  it('R4.2: scope and state, when sent, must equal the authorization request', async () => {
    const { app, code } = await freshCode({ state: 'one' });
    const bad = await postForm(server.url, '/oauth/v2/token', {
      ...exchangeForm(app, code),
      state: 'two',
    });
    expect(bad.body).toEqual({ error: 'invalid_request' });
    const again = await freshCode({
      scope: 'AaaServer.profile.READ,SalesIQ.chatdetails.READ',
      state: 'one',
    });
    const ok = await postForm(server.url, '/oauth/v2/token', {
      ...exchangeForm(again.app, again.code),
      scope: 'salesiq.chatdetails.read aaaserver.profile.read',
      state: 'one',
    });
    expect(ok.body.scope).toBe('AaaServer.profile.READ SalesIQ.chatdetails.READ');
  });

  it('R4.2: a code_verifier that does not match is invalid_code', async () => {
    const v = verifier();
    const { app, code } = await freshCode({ challenge: challengeOf(v) });
    const res = await postForm(server.url, '/oauth/v2/token', {
      ...exchangeForm(app, code),
      code_verifier: verifier(),
    });
    expect(res.body).toEqual({ error: 'invalid_code' });
  });

  it('R4.2: a code_verifier without a challenge at authorization is rejected (PKCE downgrade)', async () => {
    const { app, code } = await freshCode();
    const res = await postForm(server.url, '/oauth/v2/token', {
      ...exchangeForm(app, code),
      code_verifier: verifier(),
    });
    expect(res.body).toEqual({ error: 'invalid_code' });
  });

  it('R4.2: a code of another client is invalid_code', async () => {
    const { code } = await freshCode();
    const other = await server.addClient();
    const res = await postForm(server.url, '/oauth/v2/token', exchangeForm(other, code));
    expect(res.body).toEqual({ error: 'invalid_code' });
  });

  it('R4.3: the response has the documented fields and Cache-Control: no-store', async () => {
    const { app, code } = await freshCode();
    const res = await postForm(server.url, '/oauth/v2/token', exchangeForm(app, code));
    expect(Object.keys(res.body).sort()).toEqual([
      'access_token',
      'api_domain',
      'expires_in',
      'refresh_token',
      'scope',
      'token_type',
    ]);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.api_domain).toBe(server.url);
  });

  it('R4.4: a code used a second time fails and revokes the tokens issued from it', async () => {
    const { app, code } = await freshCode();
    const first = await postForm(server.url, '/oauth/v2/token', exchangeForm(app, code));
    expect(first.body.access_token).toBeDefined();
    const second = await postForm(server.url, '/oauth/v2/token', exchangeForm(app, code));
    expect(second.body).toEqual({ error: 'invalid_code' });
    const info = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${first.body.access_token as string}` },
    });
    expect(((await info.json()) as { error?: unknown }).error).toMatchObject({ code: 1003 });
    const refresh = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token as string,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(refresh.body).toEqual({ error: 'invalid_code' });
  });

  it('R4.4: 50 concurrent exchanges of one code give exactly one success', async () => {
    const { app, code } = await freshCode();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        postForm(server.url, '/oauth/v2/token', exchangeForm(app, code)),
      ),
    );
    expect(results.filter((r) => r.body.access_token !== undefined)).toHaveLength(1);
  });

  it('R3.6: a code expires after its lifetime (120 s)', async () => {
    const { app, code } = await freshCode();
    server.advance(121_000);
    const res = await postForm(server.url, '/oauth/v2/token', exchangeForm(app, code));
    expect(res.body).toEqual({ error: 'invalid_code' });
  });

  it('R4.5: the refresh grant gives a new access token with the same scopes and no new refresh token', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, {
      ...app,
      accessType: 'offline',
      scope: 'AaaServer.profile.READ,SalesIQ.portals.READ',
    });
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token as string,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: 'https://ignored.example.com/',
    });
    expect(res.body.access_token).not.toBe(tokens.body.access_token);
    expect(res.body.refresh_token).toBeUndefined();
    expect(res.body.scope).toBe('AaaServer.profile.READ SalesIQ.portals.READ');
  });

  it('R4.5: a refresh token presented by another client is invalid_code', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
    const other = await server.addClient();
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token as string,
      client_id: other.clientId,
      client_secret: other.clientSecret,
    });
    expect(res.body).toEqual({ error: 'invalid_code' });
  });

  it("R4.5: a public client's refresh token rotates, and reusing the old one revokes the family", async () => {
    const v = verifier();
    const { app, code } = await freshCode({ type: 'client', challenge: challengeOf(v) });
    const first = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code,
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      code_verifier: v,
    });
    const r1 = first.body.refresh_token as string;
    const rotated = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: r1,
      client_id: app.clientId,
    });
    const r2 = rotated.body.refresh_token as string;
    expect(r2).toMatch(/^1000\./);
    expect(r2).not.toBe(r1);
    const reuse = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: r1,
      client_id: app.clientId,
    });
    expect(reuse.body).toEqual({ error: 'invalid_code' });
    const afterReuse = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: r2,
      client_id: app.clientId,
    });
    expect(afterReuse.body).toEqual({ error: 'invalid_code' });
  });

  it('R4.6: client_credentials gives a self client an access token for its owner, without a refresh token', async () => {
    const owner = await server.addUser();
    const self = await server.addClient({ type: 'self', owner: owner.zuid });
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'client_credentials',
      client_id: self.clientId,
      client_secret: self.clientSecret,
      scope: 'AaaServer.profile.READ',
      soid: 'ZohoCRM.600123434',
    });
    expect(res.body.refresh_token).toBeUndefined();
    const info = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${res.body.access_token as string}` },
    });
    expect(((await info.json()) as { ZUID: number }).ZUID).toBe(owner.zuid);
  });

  it('R4.6: client_credentials is refused to other client types', async () => {
    const app = await server.addClient();
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: 'AaaServer.profile.READ',
    });
    expect(res.body).toEqual({ error: 'unauthorized_client' });
  });

  it('R2: a self client code minted without redirect URI is exchanged without redirect_uri', async () => {
    const owner = await server.addUser();
    const self = await server.addClient({ type: 'self', owner: owner.zuid });
    const { mintCode } = await import('../../src/core/codes.ts');
    const { code } = await mintCode(server.store, {
      clientId: self.clientId,
      zuid: owner.zuid,
      scopes: ['SalesIQ.portals.READ'],
      redirectUri: null,
      offline: true,
      codeChallenge: null,
      codeChallengeMethod: null,
      state: null,
      lifetimeSeconds: 180,
      now: server.now(),
      throttle: null,
    });
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code,
      client_id: self.clientId,
      client_secret: self.clientSecret,
    });
    expect(res.body.refresh_token).toBeDefined();
  });

  it('R4: an unknown grant_type is unsupported_grant_type, a missing one invalid_request', async () => {
    const app = await server.addClient();
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'password',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(res.body).toEqual({ error: 'unsupported_grant_type' });
    const none = await postForm(server.url, '/oauth/v2/token', { client_id: app.clientId });
    expect(none.body).toEqual({ error: 'invalid_request' });
  });
});
