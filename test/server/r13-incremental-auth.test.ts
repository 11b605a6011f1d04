/**
 * SPEC R13.5: incremental authorization as Zoho documents it. Step 1, POST
 * /oauth/v2/token/scopeenhance, trades a refresh token for a scope enhancement token
 * (https://zoho.com/accounts/protocol/oauth/incremental-auth/initiation-request.html); step 2,
 * GET /oauth/v2/token/addextrascope, asks the person and appends the scopes to the refresh token
 * (https://zoho.com/accounts/protocol/oauth/incremental-auth/scope-enhance-request.html).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  Browser,
  obtainTokens,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import { readErrorPage, walkAuthorization } from '../../src/testing/browser.ts';

describe.each(storeKinds)('R13.5 incremental authorization on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  async function granted() {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    return { app, user: t.user, browser: t.browser, refreshToken: t.body.refresh_token as string };
  }
  const enhanceToken = (
    app: { clientId: string; clientSecret: string },
    refreshToken: string,
    extra: Record<string, string> = {},
  ) =>
    postForm(server.url, '/oauth/v2/token/scopeenhance', {
      grant_type: 'update_scopes_token',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      refresh_token: refreshToken,
      ...extra,
    });
  const addExtraScope = (
    app: { clientId: string; redirectUri: string },
    token: string,
    scope: string,
    extra: Record<string, string> = {},
  ) =>
    `/oauth/v2/token/addextrascope?${new URLSearchParams({
      response_type: 'update_scopes',
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      scope,
      enhance_token: token,
      logout: 'false',
      ...extra,
    }).toString()}`;
  const refreshedScope = async (
    app: { clientId: string; clientSecret: string },
    refreshToken: string,
  ) =>
    (
      await postForm(server.url, '/oauth/v2/token', {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      })
    ).body.scope;

  /** The incremental-authorization consent events of a person and app (SPEC R15.3). */
  const incrementalConsents = async (email: string, clientId: string) => {
    const zuid = (await server.store.findUserByEmail(email))?.zuid;
    return (await server.store.listAuditEvents({ zuid, types: ['consent'], limit: 100 }))
      .filter((e) => e.clientId === clientId && e.detail.flow === 'incremental')
      .map((e) => [e.zuid === zuid, e.outcome, e.detail]);
  };

  it('R13.5: scopeenhance answers a scope enhancement token as access_token with token_type and expires_in (seconds)', async () => {
    const { app, refreshToken } = await granted();
    const res = await enhanceToken(app, refreshToken);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(res.body.expires_in).toBe(600);
    expect(typeof res.body.access_token).toBe('string');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('R13.5: scopeenhance refuses a wrong grant_type, an unknown or foreign refresh token, and a wrong secret', async () => {
    const { app, refreshToken } = await granted();
    const other = await server.addClient();
    expect((await enhanceToken(app, refreshToken, { grant_type: 'refresh_token' })).body).toEqual({
      error: 'invalid_request',
    });
    expect((await enhanceToken(app, '1000.nope.nope')).body).toEqual({ error: 'invalid_code' });
    expect((await enhanceToken(other, refreshToken)).body).toEqual({ error: 'invalid_code' });
    expect(
      (await enhanceToken({ ...app, clientSecret: 'f'.repeat(42) }, refreshToken)).body,
    ).toEqual({ error: 'invalid_client_secret' });
  });

  it('R13.5, R15.3: addextrascope asks the person, appends the scopes to the refresh token, redirects with status=success, and audits the consent', async () => {
    const { app, user, browser, refreshToken } = await granted();
    expect(await refreshedScope(app, refreshToken)).toBe('AaaServer.profile.READ');
    const token = (await enhanceToken(app, refreshToken)).body.access_token as string;
    const outcome = await walkAuthorization(
      browser,
      user,
      addExtraScope(app, token, 'SalesIQ.portals.READ'),
      'accept',
    );
    if (!('redirect' in outcome)) throw new Error(outcome.page.html.slice(0, 400));
    expect(`${outcome.redirect.origin}${outcome.redirect.pathname}`).toBe(app.redirectUri);
    expect(outcome.redirect.searchParams.get('status')).toBe('success');
    expect(await refreshedScope(app, refreshToken)).toBe(
      'AaaServer.profile.READ SalesIQ.portals.READ',
    );
    // R15.3: the decision is a consent event, like one on the authorization page.
    expect(await incrementalConsents(user.email, app.clientId)).toEqual([
      [
        true,
        'success',
        { decision: 'accept', scopes: 'SalesIQ.portals.READ', flow: 'incremental' },
      ],
    ]);
  });

  it('R13.5, R15.3: the person signs in first when needed; Deny redirects with status=failure, adds nothing, and is audited', async () => {
    const { app, user, refreshToken } = await granted();
    const token = (await enhanceToken(app, refreshToken)).body.access_token as string;
    const outcome = await walkAuthorization(
      new Browser(server.url),
      user,
      addExtraScope(app, token, 'SalesIQ.portals.READ'),
      'deny',
    );
    if (!('redirect' in outcome)) throw new Error(outcome.page.html.slice(0, 400));
    expect(outcome.redirect.searchParams.get('status')).toBe('failure');
    expect(outcome.redirect.searchParams.get('error')).toBe('access_denied');
    expect(await refreshedScope(app, refreshToken)).toBe('AaaServer.profile.READ');
    expect(await incrementalConsents(user.email, app.clientId)).toEqual([
      [true, 'failure', { decision: 'deny', scopes: 'SalesIQ.portals.READ', flow: 'incremental' }],
    ]);
  });

  it('R13.5: a bad enhance_token, another app, an unregistered redirect_uri or another account get an error page', async () => {
    const { app, user, browser, refreshToken } = await granted();
    const token = (await enhanceToken(app, refreshToken)).body.access_token as string;
    const other = await server.addClient();
    const cases: [string, string][] = [
      [addExtraScope(app, `${token}x`, 'SalesIQ.portals.READ'), 'invalid_grant'],
      [addExtraScope(other, token, 'SalesIQ.portals.READ'), 'invalid_grant'],
      [
        addExtraScope(app, token, 'SalesIQ.portals.READ', {
          redirect_uri: 'https://evil.example/cb',
        }),
        'invalid_request',
      ],
      [addExtraScope(app, token, 'Nope.nope.READ'), 'invalid_scope'],
    ];
    for (const [path, error] of cases) {
      const res = await browser.get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(readErrorPage(await res.text())?.error, path).toBe(error);
    }
    const stranger = await server.addUser();
    const outcome = await walkAuthorization(
      new Browser(server.url),
      stranger,
      addExtraScope(app, token, 'SalesIQ.portals.READ'),
      'accept',
    );
    expect('page' in outcome && outcome.page.status).toBe(400);
    expect(await refreshedScope(app, refreshToken)).toBe('AaaServer.profile.READ');
    void user;
  });

  it('R13.5: the enhancement token expires after 10 minutes', async () => {
    const { app, browser, refreshToken } = await granted();
    const token = (await enhanceToken(app, refreshToken)).body.access_token as string;
    server.advance(601_000);
    const res = await browser.get(addExtraScope(app, token, 'SalesIQ.portals.READ'));
    expect(res.status).toBe(400);
    expect(readErrorPage(await res.text())?.error).toBe('invalid_grant');
  });

  it('R13.5: logout=true ends the session after the answer', async () => {
    const { app, user, browser, refreshToken } = await granted();
    const token = (await enhanceToken(app, refreshToken)).body.access_token as string;
    const outcome = await walkAuthorization(
      browser,
      user,
      addExtraScope(app, token, 'SalesIQ.portals.READ', { logout: 'true' }),
      'accept',
    );
    expect('redirect' in outcome).toBe(true);
    const again = await browser.get(addExtraScope(app, token, 'SalesIQ.visitors.READ'));
    expect(await again.text()).toContain('name="password"');
  });
});
