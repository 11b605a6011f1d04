import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { obtainTokens, postForm, startServer, type TestServer } from '../helpers/server.ts';

describe.each(storeKinds)('the seed flow on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  it('signs in, accepts, exchanges the code, calls user info, refreshes and revokes', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline' }, user);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'AaaServer.profile.READ',
      api_domain: server.url,
    });
    const access = tokens.body.access_token as string;
    const refresh = tokens.body.refresh_token as string;
    expect(access).toMatch(/^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/);
    expect(refresh).toMatch(/^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/);

    const info = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${access}` },
    });
    expect(await info.json()).toMatchObject({
      Email: user.email,
      ZUID: user.zuid,
      First_Name: 'Ada',
    });

    const refreshed = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(refreshed.body.access_token).toMatch(/^1000\./);
    expect(refreshed.body.refresh_token).toBeUndefined();

    const revoked = await postForm(server.url, `/oauth/v2/token/revoke?token=${refresh}`, {});
    expect(revoked.body).toEqual({ status: 'success' });
    const after = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${refreshed.body.access_token as string}` },
    });
    expect((await after.json()).error).toMatchObject({ code: 1003 });
  });
});
