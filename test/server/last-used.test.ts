/**
 * Issue 17, point 7: Connected apps' "Last used" follows code exchange, refresh and token use,
 * recorded coarsely (at most once a minute per grant), on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { obtainTokens, postForm, startServer, type TestServer } from '../helpers/server.ts';

describe.each(storeKinds)('connected apps: last used on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { throttle: false });
  });
  afterAll(() => server.close());

  const lastUsed = async (zuid: number, clientId: string): Promise<number | null | undefined> =>
    (await server.store.listConnectedApps(zuid)).find((a) => a.client.clientId === clientId)
      ?.lastUsedAt;
  const userInfo = async (token: string): Promise<number> =>
    (
      await fetch(`${server.url}/oauth/user/info`, {
        headers: { authorization: `Zoho-oauthtoken ${token}` },
      })
    ).status;

  it('an online grant (no refresh token) shows when its code was exchanged and its token used', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const exchangedAt = server.now();
    const { body, browser } = await obtainTokens(
      server,
      { clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: app.redirectUri },
      user,
    );
    expect(body.refresh_token).toBeUndefined();
    const zuid = (await server.store.findUserByEmail(user.email))?.zuid ?? 0;
    const afterExchange = await lastUsed(zuid, app.clientId);
    expect(afterExchange).toBeGreaterThanOrEqual(exchangedAt);
    const page = await (await browser.get('/account/connected-apps')).text();
    expect(page).toMatch(/<dt>Last used<\/dt><dd><time datetime="[^"]+">/);
    expect(page).not.toContain('<dt>Last used</dt><dd>Never</dd>');

    // Uses within the minute cost no write: the recorded time stays.
    server.advance(30_000);
    for (let i = 0; i < 5; i++) expect(await userInfo(body.access_token as string)).toBe(200);
    expect(await lastUsed(zuid, app.clientId)).toBe(afterExchange);
    // A minute on, the next use is recorded.
    server.advance(31_000);
    const usedAt = server.now();
    expect(await userInfo(body.access_token as string)).toBe(200);
    expect(await lastUsed(zuid, app.clientId)).toBeGreaterThanOrEqual(usedAt);
    expect(await lastUsed(zuid, app.clientId)).toBeLessThanOrEqual(server.now());
  });

  it('a refresh is a use, even after its refresh token is gone', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const { body } = await obtainTokens(
      server,
      {
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        redirectUri: app.redirectUri,
        accessType: 'offline',
      },
      user,
    );
    const zuid = (await server.store.findUserByEmail(user.email))?.zuid ?? 0;
    server.advance(120_000);
    const refreshedAt = server.now();
    const refreshed = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token as string,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(refreshed.status).toBe(200);
    const recorded = await lastUsed(zuid, app.clientId);
    expect(recorded).toBeGreaterThanOrEqual(refreshedAt);
    expect(recorded).toBeLessThanOrEqual(server.now());
    // The app revokes its refresh token; the grant's last use is still known.
    server.advance(5_000);
    const revoked = await postForm(
      server.url,
      `/oauth/v2/token/revoke?token=${body.refresh_token as string}`,
      {},
    );
    expect(revoked.body).toEqual({ status: 'success' });
    expect(await lastUsed(zuid, app.clientId)).toBe(recorded);
  });
});
