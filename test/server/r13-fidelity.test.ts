/**
 * SPEC R13.6: the fidelity fixes found by trying third-party Zoho libraries against Tollgate.
 * - Zoho answers a known client's wrong secret with `invalid_client_secret` (clients key their
 *   hints on it: schmorrison/Zoho PR #34, a Books integration, a Mail helper).
 * - A self client's client_credentials request names its organisation (`soid`), else
 *   `missing_org_info` (https://zoho.com/accounts/protocol/oauth/self-client/client-credentials-flow.html).
 * - An authorization request without `redirect_uri` was granted and its code could then never be
 *   exchanged. Zoho requires the parameter (an error page); the rfc profile uses the only
 *   registered URI and the token request must leave it out (RFC 6749 §4.1.3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { readErrorPage, walkAuthorization } from '../../src/testing/browser.ts';

describe.each(storeKinds)('R13.6 fidelity on $name', (kind) => {
  let zoho: TestServer;
  let legacy: TestServer;
  let rfc: TestServer;
  beforeAll(async () => {
    zoho = await startServer(kind);
    legacy = await startServer(kind, { profile: 'zoho-legacy' });
    rfc = await startServer(kind, { profile: 'rfc' });
  });
  afterAll(async () => {
    await zoho.close();
    await legacy.close();
    await rfc.close();
  });

  const refreshWith = (s: TestServer, clientId: string, secret: string, basic = false) =>
    basic
      ? postForm(
          s.url,
          '/oauth/v2/token',
          { grant_type: 'refresh_token', refresh_token: '1000.x.y' },
          { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
        )
      : postForm(s.url, '/oauth/v2/token', {
          grant_type: 'refresh_token',
          refresh_token: '1000.x.y',
          client_id: clientId,
          client_secret: secret,
        });

  it('R13.6: a known client with a wrong secret gets invalid_client_secret (HTTP 200) in both zoho profiles, by parameters or Basic', async () => {
    for (const s of [zoho, legacy]) {
      const app = await s.addClient();
      for (const basic of [false, true]) {
        const res = await refreshWith(s, app.clientId, 'f'.repeat(42), basic);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ error: 'invalid_client_secret' });
      }
    }
  });

  it('R13.6: the rfc profile answers a wrong secret with invalid_client (HTTP 401)', async () => {
    const app = await rfc.addClient();
    const res = await refreshWith(rfc, app.clientId, 'f'.repeat(42));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it("R13.6: a client's own rfc profile decides the answer on a zoho server", async () => {
    const app = await zoho.addClient({ profile: 'rfc' });
    const res = await refreshWith(zoho, app.clientId, 'f'.repeat(42));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('R13.6: an unknown client, and a known one without a secret, stay invalid_client', async () => {
    const app = await zoho.addClient();
    expect((await refreshWith(zoho, '1000.NOSUCHCLIENTAAAAAAAAAAAAAAAAAAA', 'x')).body).toEqual({
      error: 'invalid_client',
    });
    const noSecret = await postForm(zoho.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: '1000.x.y',
      client_id: app.clientId,
    });
    expect(noSecret.body).toEqual({ error: 'invalid_client' });
  });

  it('R13.6: revocation and introspection name a wrong secret the same way', async () => {
    const app = await zoho.addClient();
    for (const path of ['/oauth/v2/revoke', '/oauth/v2/introspect']) {
      const res = await postForm(zoho.url, path, {
        token: 'x',
        client_id: app.clientId,
        client_secret: 'f'.repeat(42),
      });
      expect(res.body).toEqual({ error: 'invalid_client_secret' });
    }
  });

  describe('R13.6: soid for self clients', () => {
    const credentials =
      (s: TestServer, app: { clientId: string; clientSecret: string }) =>
      (extra: Record<string, string>) =>
        postForm(s.url, '/oauth/v2/token', {
          grant_type: 'client_credentials',
          client_id: app.clientId,
          client_secret: app.clientSecret,
          scope: 'AaaServer.profile.READ',
          ...extra,
        });

    it('R13.6: without soid a self client gets missing_org_info in the zoho profiles', async () => {
      for (const s of [zoho, legacy]) {
        const owner = await s.addUser();
        const send = credentials(s, await s.addClient({ type: 'self', owner: owner.zuid }));
        const res = await send({});
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ error: 'missing_org_info' });
      }
    });

    it('R13.6: with soid=<Service>.<org id> the self client gets a token for its owner', async () => {
      const owner = await zoho.addUser();
      const send = credentials(zoho, await zoho.addClient({ type: 'self', owner: owner.zuid }));
      const res = await send({ soid: 'ZohoCRM.600123434' });
      expect(res.status).toBe(200);
      expect(typeof res.body.access_token).toBe('string');
      expect(res.body.refresh_token).toBeUndefined();
      const info = await fetch(`${zoho.url}/oauth/user/info`, {
        headers: { authorization: `Zoho-oauthtoken ${res.body.access_token as string}` },
      });
      expect(((await info.json()) as { ZUID: number }).ZUID).toBe(owner.zuid);
    });

    it('R13.6: a malformed soid is invalid_request', async () => {
      const owner = await zoho.addUser();
      const send = credentials(zoho, await zoho.addClient({ type: 'self', owner: owner.zuid }));
      for (const soid of ['ZohoCRM', '600123434', 'ZohoCRM.abc', '.1', 'Zoho CRM.1'])
        expect((await send({ soid })).body, soid).toEqual({ error: 'invalid_request' });
    });

    it('R13.6: the rfc profile needs no soid', async () => {
      const owner = await rfc.addUser();
      const send = credentials(rfc, await rfc.addClient({ type: 'self', owner: owner.zuid }));
      const res = await send({});
      expect(res.status).toBe(200);
      expect(typeof res.body.access_token).toBe('string');
    });
  });

  describe('R13.6: authorization without redirect_uri', () => {
    const authPath = (clientId: string) =>
      `/oauth/v2/auth?${new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        scope: 'AaaServer.profile.READ',
        state: 's1',
      }).toString()}`;

    it('R13.6: the zoho profiles show an error page (status 400), never a code, even with one registered URI', async () => {
      for (const s of [zoho, legacy]) {
        const app = await s.addClient();
        const user = await s.addUser();
        const outcome = await walkAuthorization(
          new Browser(s.url),
          user,
          authPath(app.clientId),
          'accept',
        );
        expect('page' in outcome).toBe(true);
        if (!('page' in outcome)) return;
        expect(outcome.page.status).toBe(400);
        expect(readErrorPage(outcome.page.html)).toEqual({
          error: 'invalid_request',
          description: 'The redirect_uri parameter is missing.',
        });
      }
    });

    it('R13.6: the rfc profile uses the only registered URI, and the token request without redirect_uri gets tokens', async () => {
      const app = await rfc.addClient();
      const user = await rfc.addUser();
      const outcome = await walkAuthorization(
        new Browser(rfc.url),
        user,
        authPath(app.clientId),
        'accept',
      );
      if (!('redirect' in outcome)) throw new Error('expected a redirect');
      expect(`${outcome.redirect.origin}${outcome.redirect.pathname}`).toBe(app.redirectUri);
      expect(outcome.redirect.searchParams.get('state')).toBe('s1');
      const code = outcome.redirect.searchParams.get('code') ?? '';
      const res = await postForm(rfc.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      expect(res.status).toBe(200);
      expect(typeof res.body.access_token).toBe('string');
    });

    it('R13.6: in rfc, a token request that adds redirect_uri to such a code is invalid_grant (RFC 6749 §4.1.3)', async () => {
      const app = await rfc.addClient();
      const user = await rfc.addUser();
      const outcome = await walkAuthorization(
        new Browser(rfc.url),
        user,
        authPath(app.clientId),
        'accept',
      );
      if (!('redirect' in outcome)) throw new Error('expected a redirect');
      const res = await postForm(rfc.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: outcome.redirect.searchParams.get('code') ?? '',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });

    it('R13.6: in rfc, a code whose request named redirect_uri still needs it at the token endpoint', async () => {
      const app = await rfc.addClient();
      const user = await rfc.addUser();
      const path = `${authPath(app.clientId)}&redirect_uri=${encodeURIComponent(app.redirectUri)}`;
      const outcome = await walkAuthorization(new Browser(rfc.url), user, path, 'accept');
      if (!('redirect' in outcome)) throw new Error('expected a redirect');
      const res = await postForm(rfc.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: outcome.redirect.searchParams.get('code') ?? '',
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });

    it('R13.6: in rfc, no redirect_uri with several registered URIs is an error page', async () => {
      const app = await rfc.addClient({
        redirectUris: ['https://app.example.com/a', 'https://app.example.com/b'],
      });
      const res = await new Browser(rfc.url).get(authPath(app.clientId));
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    });
  });
});
