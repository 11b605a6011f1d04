/**
 * SPEC R12.4: limit presets (`--limits`), and single-limit options overriding them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  Browser,
  obtainTokens,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import { ZOHO_THROTTLE_BODY } from '../../src/server/render-error.ts';

describe('R12.4 limit presets in the configuration', () => {
  it('R12.4: each preset sets its caps; a single-limit option overrides the preset', () => {
    expect(parseConfig({}).limits).toBe('seed');
    expect(parseConfig({}).accessTokensPerRefresh).toBe(20);
    expect(parseConfig({ limits: 'zoho-accounts' }).accessTokensPerRefresh).toBe(10);
    expect(parseConfig({ limits: 'zoho-crm' }).accessTokensPerRefresh).toBe(15);
    expect(parseConfig({ limits: 'zoho-projects' }).refreshTokenCap).toBe(20);
    expect(
      parseConfig({ limits: 'zoho-crm', accessTokensPerRefresh: 3 }).accessTokensPerRefresh,
    ).toBe(3);
    expect(
      parseConfig({ limits: 'zoho-accounts' }, { TOLLGATE_ACCESS_TOKENS_PER_REFRESH: '7' })
        .accessTokensPerRefresh,
    ).toBe(7);
    expect(parseConfig({}, { TOLLGATE_LIMITS: 'zoho-crm' }).accessTokensPerRefresh).toBe(15);
    expect(() => parseConfig({ limits: 'zoho-desk' })).toThrow(/--limits/);
  });
});

describe.each(storeKinds)('R12.4 limit presets over HTTP on $name', (kind) => {
  let projects: TestServer;
  let accounts: TestServer;
  beforeAll(async () => {
    projects = await startServer(kind, { limits: 'zoho-projects', throttle: false });
    accounts = await startServer(kind, { limits: 'zoho-accounts', throttle: false });
  });
  afterAll(async () => {
    await projects.close();
    await accounts.close();
  });

  it('R12.4: zoho-projects refuses a 21st refresh token with the throttled body and keeps the first 20', async () => {
    const app = await projects.addClient();
    const user = await projects.addUser();
    const browser = new Browser(projects.url);
    const exchange = async () => {
      const redirect = await authorize(browser, user, {
        clientId: app.clientId,
        redirectUri: app.redirectUri,
        accessType: 'offline',
        prompt: 'consent',
      });
      return postForm(projects.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
      });
    };
    const first = await exchange();
    for (let i = 2; i <= 20; i++)
      expect((await exchange()).body.refresh_token).toBeTypeOf('string');
    const refused = await exchange();
    expect(refused.status).toBe(200);
    expect(refused.body).toEqual(ZOHO_THROTTLE_BODY);
    // The oldest was not evicted: it still refreshes.
    const refreshed = await postForm(projects.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token as string,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(refreshed.body.access_token).toBeTypeOf('string');
  });

  it('R12.4: zoho-accounts keeps 10 live access tokens per refresh token', async () => {
    const app = await accounts.addClient();
    const tokens = await obtainTokens(accounts, { ...app, accessType: 'offline' });
    const minted = [tokens.body.access_token as string];
    for (let i = 0; i < 10; i++) {
      const res = await postForm(accounts.url, '/oauth/v2/token', {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token as string,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      minted.push(res.body.access_token as string);
    }
    const works = async (token: string) =>
      (
        (await (
          await fetch(new URL('/oauth/user/info', accounts.url), {
            headers: { authorization: `Zoho-oauthtoken ${token}` },
          })
        ).json()) as { Email?: string }
      ).Email !== undefined;
    expect(await works(minted[0] ?? '')).toBe(false);
    expect(await works(minted[1] ?? '')).toBe(true);
    expect(await works(minted[10] ?? '')).toBe(true);
  });
});
