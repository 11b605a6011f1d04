/**
 * SPEC R14.6: pushed authorization requests (RFC 9126) at POST /oauth/v2/par, one use, 60 s,
 * `--require-par`; driven by hand and by oauth4webapi, on both stores (rfc profile).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { storeKinds } from '../helpers/stores.ts';
import { authorizeAt, Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';

const MCP = 'https://mcp.example.com/mcp';

async function push(
  server: TestServer,
  app: { clientId: string; clientSecret: string; redirectUri: string },
  extra: Record<string, string> = {},
) {
  return postForm(server.url, '/oauth/v2/par', {
    client_id: app.clientId,
    client_secret: app.clientSecret,
    response_type: 'code',
    redirect_uri: app.redirectUri,
    scope: 'AaaServer.profile.READ',
    state: 'pushed-state',
    ...extra,
  });
}

const byUri = (clientId: string, requestUri: string) =>
  `/oauth/v2/auth?${new URLSearchParams({ client_id: clientId, request_uri: requestUri }).toString()}`;

describe.each(storeKinds)('R14.6 pushed authorization requests on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { profile: 'rfc', throttle: false });
  });
  afterAll(() => server.close());

  it('R14.6: a pushed request gives a request_uri (201, 60 s) that authorizes once, with its parameters', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const pushed = await push(server, app, { resource: MCP });
    expect(pushed.status).toBe(201);
    expect(pushed.body.expires_in).toBe(60);
    const requestUri = String(pushed.body.request_uri);
    expect(requestUri).toMatch(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
    const browser = new Browser(server.url);
    const redirect = await authorizeAt(browser, user, byUri(app.clientId, requestUri));
    expect(redirect.searchParams.get('state')).toBe('pushed-state');
    expect(redirect.searchParams.get('iss')).toBe(server.url);
    const tokens = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
    });
    expect(tokens.status).toBe(200);
    const info = await postForm(server.url, '/oauth/v2/introspect', {
      token: String(tokens.body.access_token),
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(info.body.aud).toBe(MCP);

    // Used once: the same request_uri again is invalid_request_uri, sent back to the app (R3.3).
    const again = await authorizeAt(browser, user, byUri(app.clientId, requestUri));
    expect(again.searchParams.get('error')).toBe('invalid_request_uri');
    expect(again.searchParams.has('code')).toBe(false);
  });

  it('R14.6: a request_uri older than 60 s is invalid_request_uri', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const pushed = await push(server, app);
    server.advance(61_000);
    const redirect = await authorizeAt(
      new Browser(server.url),
      user,
      byUri(app.clientId, String(pushed.body.request_uri)),
    );
    expect(redirect.searchParams.get('error')).toBe('invalid_request_uri');
  });

  it("R14.6: another client's request_uri is refused", async () => {
    const app = await server.addClient();
    const other = await server.addClient();
    const user = await server.addUser();
    const pushed = await push(server, app);
    const redirect = await authorizeAt(
      new Browser(server.url),
      user,
      byUri(other.clientId, String(pushed.body.request_uri)),
    );
    expect(redirect.searchParams.get('error')).toBe('invalid_request_uri');
  });

  it('R14.6: bad pushes: no client authentication, unregistered redirect_uri, a pushed request_uri', async () => {
    const app = await server.addClient();
    const noAuth = await push(server, { ...app, clientSecret: 'wrong' });
    expect(noAuth.status).toBe(401);
    expect(noAuth.body.error).toBe('invalid_client');
    const badRedirect = await push(server, app, { redirect_uri: 'https://evil.example.com/cb' });
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.body.error).toBe('invalid_request');
    const nested = await push(server, app, { request_uri: 'urn:ietf:params:oauth:request_uri:x' });
    expect(nested.status).toBe(400);
    expect(nested.body.error).toBe('invalid_request');
    const badResource = await push(server, app, { resource: 'nope' });
    expect(badResource.body.error).toBe('invalid_target');
  });

  it('R14.6: oauth4webapi pushes, authorizes by request_uri and exchanges the code', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, {
        algorithm: 'oauth2',
        [oauth.allowInsecureRequests]: true,
      }),
    );
    expect(as.pushed_authorization_request_endpoint).toBe(`${server.url}/oauth/v2/par`);
    const c: oauth.Client = { client_id: app.clientId };
    const auth = oauth.ClientSecretBasic(app.clientSecret);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const parRes = await oauth.processPushedAuthorizationResponse(
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
          state,
          code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          resource: MCP,
        }),
        { [oauth.allowInsecureRequests]: true },
      ),
    );
    const callback = await authorizeAt(
      new Browser(server.url),
      user,
      byUri(app.clientId, parRes.request_uri),
    );
    const params = oauth.validateAuthResponse(as, c, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      c,
      await oauth.authorizationCodeGrantRequest(as, c, auth, params, app.redirectUri, verifier, {
        [oauth.allowInsecureRequests]: true,
      }),
    );
    expect(tokens.access_token).toMatch(/^1000\./);
  });
});

describe.each(storeKinds)('R14.6 --require-par on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { profile: 'rfc', throttle: false, requirePar: true });
  });
  afterAll(() => server.close());

  it('R14.6: with --require-par a plain authorization request is refused, a pushed one works; metadata says so', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const plain = await authorizeAt(
      new Browser(server.url),
      user,
      `/oauth/v2/auth?${new URLSearchParams({
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: app.redirectUri,
        scope: 'AaaServer.profile.READ',
      }).toString()}`,
    );
    expect(plain.searchParams.get('error')).toBe('invalid_request');
    const pushed = await push(server, app);
    const ok = await authorizeAt(
      new Browser(server.url),
      user,
      byUri(app.clientId, String(pushed.body.request_uri)),
    );
    expect(ok.searchParams.get('code')).toMatch(/^1000\./);
    const meta = (await (
      await fetch(`${server.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(meta.require_pushed_authorization_requests).toBe(true);
    expect(meta.pushed_authorization_request_endpoint).toBe(`${server.url}/oauth/v2/par`);
  });
});
