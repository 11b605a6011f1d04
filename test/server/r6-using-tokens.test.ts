/**
 * SPEC R6: user info, tokens never in the query string, both revocation forms, introspection,
 * metadata.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { obtainTokens, postForm, startServer, type TestServer } from '../helpers/server.ts';

describe.each(storeKinds)('R6 using tokens on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  const userInfo = (token: string, scheme = 'Zoho-oauthtoken') =>
    fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `${scheme} ${token}` },
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  it('R6.1: user info answers First_Name, Last_Name, Email, Display_Name and a numeric ZUID', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, app);
    const { body } = await userInfo(tokens.body.access_token as string);
    expect(Object.keys(body).sort()).toEqual([
      'Display_Name',
      'Email',
      'First_Name',
      'Last_Name',
      'ZUID',
    ]);
    expect(typeof body.ZUID).toBe('number');
  });

  it('R6.1: a Bearer token is accepted too, the scheme in any case', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, app);
    expect((await userInfo(tokens.body.access_token as string, 'bearer')).body.Email).toBeDefined();
    expect(
      (await userInfo(tokens.body.access_token as string, 'ZOHO-OAUTHTOKEN')).body.Email,
    ).toBeDefined();
  });

  it('R6.1: a token without AaaServer.profile.READ is refused', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, { ...app, scope: 'SalesIQ.portals.READ' });
    const { body } = await userInfo(tokens.body.access_token as string);
    expect((body.error as { code: number }).code).toBe(1007);
  });

  it('R6.1: SalesIQ.x.ALL does not grant AaaServer.profile.READ, and unknown or malformed tokens are refused', async () => {
    const app = await server.addClient();
    const all = await obtainTokens(server, { ...app, scope: 'SalesIQ.portals.ALL' });
    expect(all.body.access_token).toMatch(/^1000\./);
    const refused = await userInfo(all.body.access_token as string);
    expect(refused.body.error).toMatchObject({ code: 1007 });
    expect(refused.body.ZUID).toBeUndefined();
    expect((await userInfo('garbage')).body.error).toMatchObject({ code: 1003 });
    expect(
      (await userInfo('1000.ffffffffffffffffffffffffffffffff.ffffffffffffffffffffffffffffffff'))
        .body.error,
    ).toMatchObject({ code: 1003 });
    const res = await fetch(`${server.url}/oauth/user/info`);
    expect(((await res.json()) as { error?: unknown }).error).toMatchObject({ code: 1003 });
  });

  it('R6.2: a token in the query string is never accepted', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, app);
    const token = tokens.body.access_token as string;
    const res = await fetch(`${server.url}/oauth/user/info?access_token=${token}`);
    const body = (await res.json()) as { error?: { code: number } };
    expect(body.error).toMatchObject({ code: 1002 });
    const both = await fetch(`${server.url}/oauth/user/info?access_token=${token}`, {
      headers: { authorization: `Zoho-oauthtoken ${token}` },
    });
    expect(((await both.json()) as { error?: unknown }).error).toMatchObject({ code: 1002 });
  });

  it('R6.3: Zoho revocation by query string or form body answers {"status":"success"}, HTTP 400 for an unknown token', async () => {
    const app = await server.addClient();
    const a = await obtainTokens(server, { ...app, accessType: 'offline' });
    expect(
      (
        await postForm(
          server.url,
          `/oauth/v2/token/revoke?token=${a.body.refresh_token as string}`,
          {},
        )
      ).body,
    ).toEqual({ status: 'success' });
    const b = await obtainTokens(server, { ...app, accessType: 'offline' });
    expect(
      (
        await postForm(server.url, '/oauth/v2/token/revoke', {
          token: b.body.refresh_token as string,
        })
      ).body,
    ).toEqual({ status: 'success' });
    const unknown = await postForm(server.url, '/oauth/v2/token/revoke', { token: 'nope' });
    expect(unknown.status).toBe(400);
  });

  it('R6.3: revoking a refresh token revokes its access tokens', async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    await postForm(server.url, '/oauth/v2/token/revoke', { token: t.body.refresh_token as string });
    expect((await userInfo(t.body.access_token as string)).body.error).toMatchObject({
      code: 1003,
    });
  });

  it('R6.3: revoking an access token leaves its refresh token working', async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    await postForm(server.url, '/oauth/v2/token/revoke', { token: t.body.access_token as string });
    expect((await userInfo(t.body.access_token as string)).body.error).toMatchObject({
      code: 1003,
    });
    const r = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: t.body.refresh_token as string,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(r.body.access_token).toBeDefined();
  });

  it('R6.3: RFC 7009 revocation needs client authentication and answers 200 with an empty body, also for unknown tokens', async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    const unauth = await postForm(server.url, '/oauth/v2/revoke', {
      token: t.body.refresh_token as string,
    });
    expect(unauth.body).toEqual({ error: 'invalid_client' });
    const other = await server.addClient();
    const foreign = await fetch(`${server.url}/oauth/v2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: t.body.refresh_token as string,
        client_id: other.clientId,
        client_secret: other.clientSecret,
      }),
    });
    expect(foreign.status).toBe(200);
    expect(await foreign.text()).toBe('');
    expect((await userInfo(t.body.access_token as string)).body.Email).toBeDefined();
    const own = await fetch(`${server.url}/oauth/v2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: t.body.refresh_token as string,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      }),
    });
    expect(own.status).toBe(200);
    expect(await own.text()).toBe('');
    expect((await userInfo(t.body.access_token as string)).body.error).toMatchObject({
      code: 1003,
    });
  });

  it('R6.4: introspection tells authenticated clients whether a token is active', async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    const rs = await server.addClient({ name: 'Resource server' });
    const ask = (token: string, creds = rs) =>
      postForm(server.url, '/oauth/v2/introspect', {
        token,
        client_id: creds.clientId,
        client_secret: creds.clientSecret,
      });
    const at = await ask(t.body.access_token as string);
    expect(at.body).toMatchObject({
      active: true,
      client_id: app.clientId,
      scope: 'AaaServer.profile.READ',
      token_type: 'Bearer',
    });
    expect(typeof at.body.exp).toBe('number');
    expect((await ask(t.body.refresh_token as string)).body).toMatchObject({
      active: true,
      token_type: 'refresh_token',
    });
    expect((await ask('nope')).body).toEqual({ active: false });
    await postForm(server.url, '/oauth/v2/token/revoke', { token: t.body.refresh_token as string });
    expect((await ask(t.body.access_token as string)).body).toEqual({ active: false });
    const anonymous = await postForm(server.url, '/oauth/v2/introspect', { token: 'x' });
    expect(anonymous.body).toEqual({ error: 'invalid_client' });
  });

  it('R6.4: public clients cannot introspect', async () => {
    const pub = await server.addClient({ type: 'client' });
    const res = await postForm(server.url, '/oauth/v2/introspect', {
      token: 'x',
      client_id: pub.clientId,
    });
    expect(res.body).toEqual({ error: 'invalid_client' });
  });

  it('R6.5: metadata at /.well-known/oauth-authorization-server names every endpoint', async () => {
    const res = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(server.url);
    expect(meta.authorization_endpoint).toBe(`${server.url}/oauth/v2/auth`);
    expect(meta.token_endpoint).toBe(`${server.url}/oauth/v2/token`);
    expect(meta.revocation_endpoint).toBe(`${server.url}/oauth/v2/revoke`);
    expect(meta.introspection_endpoint).toBe(`${server.url}/oauth/v2/introspect`);
    expect(meta.code_challenge_methods_supported).toContain('S256');
    expect(meta.scopes_supported).toContain('SalesIQ.chatdetails.READ');
  });
});
