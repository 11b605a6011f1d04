/**
 * SPEC R14.1 (resource indicators, RFC 8707) and R14.5 (`iss` on authorization responses,
 * RFC 9207), over HTTP on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { authorizeAt, Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { startTollgate } from '../../src/testing/index.ts';

const MCP = 'https://mcp.example.com/mcp';
const OTHER = 'https://other.example.com/api';

function authUrl(clientId: string, redirectUri: string, extra: [string, string][] = []): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'AaaServer.profile.READ',
    access_type: 'offline',
    state: 's1',
  });
  for (const [k, v] of extra) q.append(k, v);
  return `/oauth/v2/auth?${q.toString()}`;
}

describe.each(storeKinds)('R14.1 resource indicators on $name (rfc profile)', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { profile: 'rfc', throttle: false });
  });
  afterAll(() => server.close());

  async function codeFor(resources: string[]): Promise<{
    app: Awaited<ReturnType<TestServer['addClient']>>;
    code: string;
  }> {
    const app = await server.addClient();
    const user = await server.addUser();
    const redirect = await authorizeAt(
      new Browser(server.url),
      user,
      authUrl(
        app.clientId,
        app.redirectUri,
        resources.map((r) => ['resource', r]),
      ),
    );
    const code = redirect.searchParams.get('code');
    if (!code) throw new Error(`no code: ${redirect.toString()}`);
    return { app, code };
  }

  async function exchange(
    app: { clientId: string; clientSecret: string; redirectUri: string },
    code: string,
    resources: string[] = [],
  ) {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
    });
    for (const r of resources) form.append('resource', r);
    const res = await fetch(`${server.url}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const introspect = (app: { clientId: string; clientSecret: string }, token: string) =>
    postForm(server.url, '/oauth/v2/introspect', {
      token,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });

  it('R14.1: a resource at authorization becomes the access token audience (introspection aud)', async () => {
    const { app, code } = await codeFor([MCP]);
    const tokens = await exchange(app, code);
    expect(tokens.status).toBe(200);
    const info = await introspect(app, String(tokens.body.access_token));
    expect(info.body).toMatchObject({ active: true, aud: MCP });
  });

  it('R14.1: several resources give a list audience; the token request may narrow to one', async () => {
    const { app, code } = await codeFor([MCP, OTHER]);
    const tokens = await exchange(app, code, [OTHER]);
    expect(tokens.status).toBe(200);
    expect((await introspect(app, String(tokens.body.access_token))).body.aud).toBe(OTHER);
    // The refresh token keeps both; a refresh may narrow to either, and without resource gets both.
    const rt = String(tokens.body.refresh_token);
    expect((await introspect(app, rt)).body.aud).toEqual([MCP, OTHER]);
    const narrowed = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: rt,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      resource: MCP,
    });
    expect(narrowed.status).toBe(200);
    expect((await introspect(app, String(narrowed.body.access_token))).body.aud).toBe(MCP);
    const both = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: rt,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect((await introspect(app, String(both.body.access_token))).body.aud).toEqual([MCP, OTHER]);
  });

  it('R14.1: a refresh asking for a resource outside the grant is invalid_target', async () => {
    const { app, code } = await codeFor([MCP]);
    const tokens = await exchange(app, code);
    const widened = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
      client_id: app.clientId,
      client_secret: app.clientSecret,
      resource: OTHER,
    });
    expect(widened.status).toBe(400);
    expect(widened.body.error).toBe('invalid_target');
  });

  it('R14.1: a token request widening the authorized resources is invalid_target (code burnt)', async () => {
    const { app, code } = await codeFor([MCP]);
    const res = await exchange(app, code, [OTHER]);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
  });

  it('R14.1: a malformed resource at authorization is sent back as invalid_target with iss', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    for (const bad of ['not a uri', 'https://api.example.com/#frag', '/relative']) {
      const redirect = await authorizeAt(
        new Browser(server.url),
        user,
        authUrl(app.clientId, app.redirectUri, [['resource', bad]]),
      );
      expect(redirect.searchParams.get('error')).toBe('invalid_target');
      expect(redirect.searchParams.get('state')).toBe('s1');
      expect(redirect.searchParams.get('iss')).toBe(server.url);
    }
  });

  it('R14.1: without resource the token is not audience-restricted (no aud)', async () => {
    const { app, code } = await codeFor([]);
    const tokens = await exchange(app, code);
    const info = await introspect(app, String(tokens.body.access_token));
    expect(info.body.active).toBe(true);
    expect(info.body).not.toHaveProperty('aud');
  });
});

describe.each(storeKinds)('R14.1 allowed resources (--resources) on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { profile: 'rfc', throttle: false, resources: MCP });
  });
  afterAll(() => server.close());

  it('R14.1: a resource the server does not serve is invalid_target at authorization and token endpoints', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const refused = await authorizeAt(
      new Browser(server.url),
      user,
      authUrl(app.clientId, app.redirectUri, [['resource', OTHER]]),
    );
    expect(refused.searchParams.get('error')).toBe('invalid_target');
    const ok = await authorizeAt(
      new Browser(server.url),
      user,
      authUrl(app.clientId, app.redirectUri, [['resource', MCP]]),
    );
    const code = ok.searchParams.get('code') ?? '';
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
      resource: OTHER,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
  });

  it('R14.1: the zoho profile answers invalid_target as HTTP 200 (SPEC R0)', async () => {
    const app = await server.addClient({ profile: 'zoho' });
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: '1000.0000',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      resource: 'nope',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ error: 'invalid_target' });
  });
});

describe.each(storeKinds)('R14.5 iss on authorization responses on $name', (kind) => {
  let rfc: TestServer;
  let zoho: TestServer;
  beforeAll(async () => {
    rfc = await startServer(kind, { profile: 'rfc', throttle: false });
    zoho = await startServer(kind, { profile: 'zoho', throttle: false });
  });
  afterAll(async () => {
    await rfc.close();
    await zoho.close();
  });

  it('R14.5: rfc sends iss with the code, with access_denied and with other errors; metadata says so', async () => {
    const app = await rfc.addClient();
    const user = await rfc.addUser();
    const ok = await authorizeAt(
      new Browser(rfc.url),
      user,
      authUrl(app.clientId, app.redirectUri),
    );
    expect(ok.searchParams.get('iss')).toBe(rfc.url);
    expect(ok.searchParams.get('code')).toMatch(/^1000\./);
    const denied = await authorizeAt(
      new Browser(rfc.url),
      user,
      authUrl(app.clientId, app.redirectUri, [['prompt', 'consent']]),
      'deny',
    );
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('iss')).toBe(rfc.url);
    const bad = await authorizeAt(
      new Browser(rfc.url),
      user,
      authUrl(app.clientId, app.redirectUri, [['prompt', 'never']]),
    );
    expect(bad.searchParams.get('error')).toBe('invalid_request');
    expect(bad.searchParams.get('iss')).toBe(rfc.url);
    const meta = (await (
      await fetch(`${rfc.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('R14.5: the zoho profiles send no iss (Zoho does not), and metadata says false', async () => {
    const app = await zoho.addClient();
    const user = await zoho.addUser();
    const ok = await authorizeAt(
      new Browser(zoho.url),
      user,
      authUrl(app.clientId, app.redirectUri),
    );
    expect(ok.searchParams.has('iss')).toBe(false);
    const meta = (await (
      await fetch(`${zoho.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(meta.authorization_response_iss_parameter_supported).toBe(false);
  });
});

describe('R14.1 tollgate/testing authorize({ resource })', () => {
  it('R14.1: the handle sends resource indicators and the token carries them', async () => {
    const tollgate = await startTollgate({ profile: 'rfc' });
    try {
      const user = await tollgate.createUser();
      const app = await tollgate.createClient();
      const result = await tollgate.authorize({
        clientId: app.clientId,
        user,
        scope: 'AaaServer.profile.READ',
        resource: [MCP, OTHER],
      });
      if (!('code' in result)) throw new Error(JSON.stringify(result));
      const tokens = await postForm(tollgate.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: result.code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUris[0] ?? '',
      });
      const info = await postForm(tollgate.url, '/oauth/v2/introspect', {
        token: String(tokens.body.access_token),
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      expect(info.body.aud).toEqual([MCP, OTHER]);
    } finally {
      await tollgate.stop();
    }
  });
});
