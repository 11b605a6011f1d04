/**
 * SPEC R14.3: dynamic client registration (RFC 7591) and management (RFC 7592) at
 * /oauth/v2/register with `--registration open`, over HTTP on both stores (the other modes and
 * the throttle: r14-registration-modes.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { storeKinds } from '../helpers/stores.ts';
import { call, NATIVE_APP, register, WEB_APP } from '../helpers/registration.ts';
import { authorizeAt, Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

describe.each(storeKinds)('R14.3 dynamic client registration on $name', (kind) => {
  describe('--registration open', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(kind, { profile: 'rfc', throttle: false, registration: 'open' });
    });
    afterAll(() => server.close());

    it('R14.3: a confidential client registers: 201 with client_id, client_secret, client_id_issued_at, registration_access_token, registration_client_uri', async () => {
      const before = Math.floor(server.now() / 1000);
      const res = await register(server, WEB_APP);
      const after = Math.floor(server.now() / 1000);
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const clientId = String(res.body.client_id);
      expect(clientId).toMatch(/^1000\.[A-Z0-9]{30}$/);
      expect(res.body).toEqual({
        client_id: clientId,
        client_secret: expect.stringMatching(/^[0-9a-f]{42}$/),
        client_secret_expires_at: 0,
        client_id_issued_at: expect.any(Number),
        client_name: 'Notes web app',
        redirect_uris: ['https://notes.example.com/callback'],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        registration_access_token: expect.stringMatching(/^tgreg_[A-Za-z0-9_-]{43}$/),
        registration_client_uri: `${server.url}/oauth/v2/register/${encodeURIComponent(clientId)}`,
      });
      expect(res.body.client_id_issued_at).toBeGreaterThanOrEqual(before);
      expect(res.body.client_id_issued_at).toBeLessThanOrEqual(after);
      const stored = await server.store.findClient(clientId);
      expect(stored?.registration).toBe('dynamic');
      expect(stored?.type).toBe('server');
    });

    it('R14.3: the registered confidential client completes the code flow with its secret', async () => {
      const reg = await register(server, WEB_APP);
      const clientId = String(reg.body.client_id);
      const user = await server.addUser();
      const redirect = await authorizeAt(
        new Browser(server.url),
        user,
        `/oauth/v2/auth?${new URLSearchParams({
          client_id: clientId,
          response_type: 'code',
          redirect_uri: WEB_APP.redirect_uris[0] as string,
          scope: 'AaaServer.profile.READ',
        }).toString()}`,
      );
      const tokens = await postForm(
        server.url,
        '/oauth/v2/token',
        {
          grant_type: 'authorization_code',
          code: redirect.searchParams.get('code') ?? '',
          redirect_uri: WEB_APP.redirect_uris[0] as string,
        },
        {
          authorization: `Basic ${Buffer.from(`${clientId}:${String(reg.body.client_secret)}`).toString('base64')}`,
        },
      );
      expect(tokens.status).toBe(200);
      expect(tokens.body.token_type).toBe('Bearer');
    });

    it('R14.3: token_endpoint_auth_method none makes a public client with no secret; PKCE is required; a loopback URI matches on any port (RFC 8252)', async () => {
      const reg = await register(server, NATIVE_APP);
      expect(reg.status).toBe(201);
      expect(reg.body.client_secret).toBeUndefined();
      expect(reg.body.client_secret_expires_at).toBeUndefined();
      expect(reg.body.token_endpoint_auth_method).toBe('none');
      expect(reg.body.grant_types).toEqual(['authorization_code', 'refresh_token']);
      const clientId = String(reg.body.client_id);
      expect((await server.store.findClient(clientId))?.type).toBe('mobile');
      const user = await server.addUser();
      const browser = new Browser(server.url);
      const base = {
        client_id: clientId,
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1:51234/callback',
        scope: 'AaaServer.profile.READ',
      };
      const noPkce = await authorizeAt(
        browser,
        user,
        `/oauth/v2/auth?${new URLSearchParams(base).toString()}`,
      );
      expect(noPkce.searchParams.get('error')).toBe('invalid_request');
      expect(noPkce.port).toBe('51234');

      const { verifier, challenge } = pkce();
      const redirect = await authorizeAt(
        browser,
        user,
        `/oauth/v2/auth?${new URLSearchParams({ ...base, code_challenge: challenge, code_challenge_method: 'S256' }).toString()}`,
      );
      const tokens = await postForm(server.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        client_id: clientId,
        redirect_uri: base.redirect_uri,
        code_verifier: verifier,
      });
      expect(tokens.status).toBe(200);
      expect(typeof tokens.body.access_token).toBe('string');
    });

    it('R14.3: bad metadata is invalid_redirect_uri / invalid_client_metadata (400, a description), and nothing is stored', async () => {
      const before = (await server.store.listClients()).length;
      const cases: [unknown, string, string | RegExp][] = [
        [
          { client_name: 'x' },
          'invalid_redirect_uri',
          'redirect_uris must name at least one redirect URI.',
        ],
        [
          { redirect_uris: ['http://notes.example.com/cb'] },
          'invalid_redirect_uri',
          /must use https/,
        ],
        [{ redirect_uris: ['https://a.example.com/cb#frag'] }, 'invalid_redirect_uri', /fragment/],
        [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri', /javascript/],
        [
          { redirect_uris: 'https://a.example.com/cb' },
          'invalid_client_metadata',
          'redirect_uris must be an array of strings.',
        ],
        [
          { ...WEB_APP, token_endpoint_auth_method: 'private_key_jwt' },
          'invalid_client_metadata',
          /token_endpoint_auth_method must be one of/,
        ],
        [
          { ...WEB_APP, grant_types: ['client_credentials'] },
          'invalid_client_metadata',
          /grant_types must include authorization_code/,
        ],
        [
          { ...WEB_APP, response_types: ['token'] },
          'invalid_client_metadata',
          'response_types must be ["code"].',
        ],
        [
          { ...WEB_APP, client_name: 'x'.repeat(101) },
          'invalid_client_metadata',
          /client_name must be at most 100/,
        ],
        [
          { ...WEB_APP, client_uri: 'ftp://example.com' },
          'invalid_client_metadata',
          'client_uri must be an http(s) URL.',
        ],
        [
          { ...WEB_APP, logo_uri: 'x'.repeat(6000) },
          'invalid_client_metadata',
          /at most 5120 bytes/,
        ],
        [
          ['https://a.example.com/cb'],
          'invalid_client_metadata',
          'The body must be a JSON object.',
        ],
        ['just a string', 'invalid_client_metadata', 'The body must be a JSON object.'],
      ];
      for (const [body, error, description] of cases) {
        const res = await register(server, body);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.body.error).toBe(error);
        if (typeof description === 'string') expect(res.body.error_description).toBe(description);
        else expect(String(res.body.error_description)).toMatch(description);
      }
      const notJson = await call(server, 'POST', '/oauth/v2/register', {
        raw: '{"redirect_uris":',
      });
      expect(notJson.status).toBe(400);
      expect(notJson.body.error).toBe('invalid_request');
      const form = await postForm(server.url, '/oauth/v2/register', {
        redirect_uris: 'https://a.example.com/cb',
      });
      expect(form.status).toBe(400);
      expect(form.body.error).toBe('invalid_client_metadata');
      expect((await server.store.listClients()).length).toBe(before);
    });

    it('R14.3: unknown members are ignored (RFC 7591 §2), however deeply nested', async () => {
      const res = await register(server, {
        ...WEB_APP,
        nested: JSON.parse('['.repeat(500) + ']'.repeat(500)) as unknown,
      });
      expect(res.status).toBe(201);
      expect(res.body.nested).toBeUndefined();
    });

    it('R14.3: hostile metadata (wrong types, NUL bytes, huge arrays) is a 4xx, never a 5xx, and stores nothing', async () => {
      const before = (await server.store.listClients()).length;
      const nul = '\u0000';
      const bodies: unknown[] = [
        null,
        42,
        { redirect_uris: [42] },
        { redirect_uris: [null] },
        { redirect_uris: [{}] },
        { ...WEB_APP, client_name: 42 },
        { ...WEB_APP, client_name: `a${nul}b` },
        { ...WEB_APP, client_uri: `https://a.example.com/${nul}` },
        { ...WEB_APP, scope: ['a'] },
        { ...WEB_APP, grant_types: 'authorization_code' },
        { ...WEB_APP, token_endpoint_auth_method: ['none'] },
        { redirect_uris: [`https://a.example.com/${nul}`] },
        { redirect_uris: Array.from({ length: 21 }, (_, i) => `https://a.example.com/${i}`) },
        { ...WEB_APP, scope: `a${nul}` },
      ];
      for (const body of bodies) {
        const res = await register(server, body);
        if (res.status === 201) throw new Error(`registered: ${JSON.stringify(body)}`);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBeGreaterThanOrEqual(400);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBeLessThan(500);
        expect(['invalid_client_metadata', 'invalid_redirect_uri', 'invalid_request']).toContain(
          res.body.error,
        );
      }
      expect((await server.store.listClients()).length).toBe(before);
    });

    it('R14.3: RFC 7592 read, update and delete at registration_client_uri with the registration access token', async () => {
      const reg = await register(server, WEB_APP);
      const uri = String(reg.body.registration_client_uri);
      const token = String(reg.body.registration_access_token);
      const clientId = String(reg.body.client_id);

      const read = await call(server, 'GET', uri, { token });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({
        client_id: clientId,
        client_id_issued_at: reg.body.client_id_issued_at,
        client_name: 'Notes web app',
        redirect_uris: WEB_APP.redirect_uris,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        registration_client_uri: uri,
      });

      const updated = await call(server, 'PUT', uri, {
        token,
        body: {
          client_id: clientId,
          client_name: 'Notes, renamed',
          redirect_uris: ['https://notes.example.com/cb2'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      });
      expect(updated.status).toBe(200);
      expect(updated.body.client_name).toBe('Notes, renamed');
      expect(updated.body.redirect_uris).toEqual(['https://notes.example.com/cb2']);
      expect(updated.body.token_endpoint_auth_method).toBe('client_secret_post');
      expect(updated.body.client_secret).toBeUndefined();
      expect((await server.store.findClient(clientId))?.redirectUris).toEqual([
        'https://notes.example.com/cb2',
      ]);
      const reread = await call(server, 'GET', uri, { token });
      expect(reread.body.client_name).toBe('Notes, renamed');

      const wrongId = await call(server, 'PUT', uri, {
        token,
        body: { client_id: 'other', redirect_uris: ['https://notes.example.com/cb2'] },
      });
      expect(wrongId.status).toBe(400);
      expect(wrongId.body.error).toBe('invalid_client_metadata');
      const toPublic = await call(server, 'PUT', uri, {
        token,
        body: { client_id: clientId, ...NATIVE_APP },
      });
      expect(toPublic.status).toBe(400);
      expect(toPublic.body.error).toBe('invalid_client_metadata');
      const badUri = await call(server, 'PUT', uri, {
        token,
        body: { client_id: clientId, redirect_uris: ['http://evil.example.com/cb'] },
      });
      expect(badUri.status).toBe(400);
      expect(badUri.body.error).toBe('invalid_redirect_uri');

      const deleted = await call(server, 'DELETE', uri, { token });
      expect(deleted.status).toBe(204);
      expect(await server.store.findClient(clientId)).toBeUndefined();
      // SPEC R15.3: registration and deletion are audit events, without any secret.
      const events = (
        await server.store.listAuditEvents({
          types: ['client_created', 'client_deleted'],
          limit: 1000,
        })
      ).filter((e) => e.clientId === clientId);
      expect(events.map((e) => [e.type, e.actor, e.detail])).toEqual([
        ['client_deleted', 'registration-access-token', {}],
        ['client_created', 'dynamic-registration', { registration: 'dynamic', public: false }],
      ]);
      expect(JSON.stringify(events)).not.toContain(token);
      const afterDelete = await call(server, 'GET', uri, { token });
      expect(afterDelete.status).toBe(401);
      expect(afterDelete.body.error).toBe('invalid_token');
    });

    it('R14.3: management with a missing or wrong registration access token, or for a client made by a person, is 401 invalid_token', async () => {
      const reg = await register(server, WEB_APP);
      const uri = String(reg.body.registration_client_uri);
      for (const token of [undefined, 'tgreg_wrong', String(reg.body.client_secret)]) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const res = await call(server, method, uri, {
            ...(token === undefined ? {} : { token }),
            ...(method === 'PUT' ? { body: { client_id: reg.body.client_id, ...WEB_APP } } : {}),
          });
          expect(res.status, `${method} with ${String(token)}`).toBe(401);
          expect(res.body.error).toBe('invalid_token');
        }
      }
      const other = await register(server, WEB_APP);
      const crossed = await call(server, 'GET', uri, {
        token: String(other.body.registration_access_token),
      });
      expect(crossed.status).toBe(401);
      const manual = await server.addClient();
      const unmanaged = await call(server, 'GET', `/oauth/v2/register/${manual.clientId}`, {
        token: String(reg.body.registration_access_token),
      });
      expect(unmanaged.status).toBe(401);
      expect(unmanaged.body.error).toBe('invalid_token');
      expect((await server.store.findClient(String(reg.body.client_id)))?.name).toBe(
        'Notes web app',
      );
    });

    it('R14.3: a deleted client at the token endpoint is HTTP 401 invalid_client (rfc), public or confidential, so clients re-register', async () => {
      const pub = await register(server, NATIVE_APP);
      const conf = await register(server, WEB_APP);
      for (const reg of [pub, conf]) {
        const gone = await call(server, 'DELETE', String(reg.body.registration_client_uri), {
          token: String(reg.body.registration_access_token),
        });
        expect(gone.status).toBe(204);
      }
      const refresh = await postForm(server.url, '/oauth/v2/token', {
        grant_type: 'refresh_token',
        refresh_token: '1000.0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef',
        client_id: String(pub.body.client_id),
      });
      expect(refresh.status).toBe(401);
      expect(refresh.body.error).toBe('invalid_client');
      const code = await postForm(server.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: '1000.0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef',
        client_id: String(conf.body.client_id),
        client_secret: String(conf.body.client_secret),
      });
      expect(code.status).toBe(401);
      expect(code.body.error).toBe('invalid_client');
      const unknown = await postForm(server.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: 'x',
        client_id: '1000.NEVERREGISTEREDNEVERREGISTERED',
      });
      expect(unknown.status).toBe(401);
      expect(unknown.body.error).toBe('invalid_client');
    });

    it('R14.3: in a zoho-profile server registration still answers RFC JSON errors with their HTTP status', async () => {
      const zoho = await startServer(kind, {
        profile: 'zoho',
        throttle: false,
        registration: 'open',
      });
      try {
        const res = await register(zoho, { redirect_uris: ['http://evil.example.com/cb'] });
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_redirect_uri');
        const ok = await register(zoho, WEB_APP);
        expect(ok.status).toBe(201);
      } finally {
        await zoho.close();
      }
    });
  });
});
