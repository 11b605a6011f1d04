/**
 * Regression: "a NUL character reaches PostgreSQL and comes back as HTTP 500" (issue 18). Text
 * from the wire is checked once, after parsing (src/server/app.ts), and PostgreSQL's data
 * exceptions are a client error behind it. This file sends NUL and other control characters to
 * every registered route, in every place a request carries text, on both stores and in both
 * error dialects: never a 5xx, and a normal flow still works afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  Browser,
  hiddenField,
  obtainTokens,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

const CONTROL = ['\u0000', 'a\u0000b', '\u0001', '\u001f', '\u007f'];
const PARAMS = [
  'client_id',
  'client_secret',
  'code',
  'refresh_token',
  'token',
  'redirect_uri',
  'scope',
  'state',
  'grant_type',
  'email',
  'password',
  'response_type',
  'name',
];

describe.each(storeKinds)('control characters on $name', (kind) => {
  describe.each(['zoho', 'rfc'] as const)('profile %s', (profile) => {
    let server: TestServer;
    let client: { clientId: string; clientSecret: string; redirectUri: string };
    beforeAll(async () => {
      server = await startServer(kind, { profile, throttle: false });
      client = await server.addClient();
    });
    afterAll(() => server.close());

    /** Sends a request and fails the test on a 5xx, naming what was sent. */
    async function send(
      method: string,
      path: string,
      init: RequestInit,
      what: string,
    ): Promise<Response> {
      const res = await fetch(`${server.url}${path}`, { method, redirect: 'manual', ...init });
      await res.arrayBuffer();
      expect(res.status, `${method} ${path} with ${what}`).toBeLessThan(500);
      return res;
    }

    it('every route answers a NUL or control character in the query, the body, the path and the Basic header without a 5xx', async () => {
      const routes = server.app.tollgate.routes.filter(
        (r) => r.method !== 'HEAD' && r.method !== 'OPTIONS',
      );
      expect(routes.length).toBeGreaterThan(25);
      for (const route of routes) {
        for (const bad of CONTROL) {
          const path = route.url.replace(/:[a-z_]+/g, encodeURIComponent(`x${bad}`));
          const query = new URLSearchParams(
            PARAMS.map((name) => [name, `${client.clientId}${bad}`]),
          ).toString();
          await send(route.method, `${path}?${query}`, {}, `query ${JSON.stringify(bad)}`);
          if (route.method === 'GET') continue;
          const form = new URLSearchParams(PARAMS.map((name) => [name, bad]));
          await send(
            route.method,
            path,
            {
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: form.toString(),
            },
            `form ${JSON.stringify(bad)}`,
          );
          const json = JSON.stringify(Object.fromEntries(PARAMS.map((name) => [name, bad])));
          await send(
            route.method,
            path,
            { headers: { 'content-type': 'application/json' }, body: json },
            `JSON ${JSON.stringify(bad)}`,
          );
          const basic = Buffer.from(
            `${encodeURIComponent(bad)}:${encodeURIComponent(bad)}`,
          ).toString('base64');
          await send(
            route.method,
            path,
            { headers: { authorization: `Basic ${basic}` }, body: '' },
            `Basic ${JSON.stringify(bad)}`,
          );
        }
      }
    }, 120_000);

    it('the reproductions of the report: each is a protocol error, not a 500', async () => {
      const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
        send(
          'POST',
          '/oauth/v2/token',
          {
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
            body: new URLSearchParams(form).toString(),
          },
          JSON.stringify(form),
        );
      const clientErrorStatus = profile === 'rfc' ? 401 : 200;
      const zohoOr = (rfc: string) => (profile === 'rfc' ? rfc : 'invalid_client');
      for (const id of ['\u0000', `${client.clientId}\u0000`]) {
        const res = await token({
          grant_type: 'refresh_token',
          refresh_token: 'x',
          client_id: id,
          client_secret: 'x',
        });
        expect(res.status === 400 || res.status === clientErrorStatus).toBe(true);
      }
      const basic = Buffer.from('%00:x').toString('base64');
      const viaBasic = await fetch(`${server.url}/oauth/v2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=refresh_token&refresh_token=x',
      });
      expect(viaBasic.status).toBe(clientErrorStatus);
      expect(((await viaBasic.json()) as { error: string }).error).toBe(zohoOr('invalid_client'));
      for (const path of ['/oauth/v2/revoke', '/oauth/v2/introspect']) {
        const res = await send(
          'POST',
          path,
          {
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'token=x&client_id=%00&client_secret=x',
          },
          path,
        );
        expect(
          (
            (await fetch(`${server.url}${path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: 'token=x&client_id=%00&client_secret=x',
            }).then((r) => r.json())) as { error: string }
          ).error,
        ).toBe('invalid_request');
        expect(res.status === 400 || res.status === 200).toBe(true);
      }
      const auth = await fetch(`${server.url}/oauth/v2/auth?client_id=%00&response_type=code`);
      expect(auth.status).toBe(400);
      expect(await auth.text()).toContain('The request contains a NUL character.');
    });

    it('a NUL in the state is refused before the consent page, and a NUL in a sign-in email is a readable error page', async () => {
      const user = await server.addUser();
      const browser = new Browser(server.url);
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        scope: 'AaaServer.profile.READ',
        state: 'a\u0000b',
      });
      const res = await browser.get(`/oauth/v2/auth?${q.toString()}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('data-error="invalid_request"');
      const login = await (await browser.get('/login')).text();
      const post = await browser.post('/login', {
        _csrf: hiddenField(login, '_csrf'),
        return_to: '/',
        email: `${user.email}\u0000`,
        password: user.password,
      });
      expect(post.status).toBe(400);
      expect(await post.text()).toContain('The request contains a NUL character.');
    });

    it('afterwards the whole flow still works and nothing stored was harmed', async () => {
      const { status, body } = await obtainTokens(server, { ...client, accessType: 'offline' });
      expect(status).toBe(200);
      expect(body.refresh_token).toMatch(/^1000\./);
      expect((await server.store.findClient(client.clientId))?.clientId).toBe(client.clientId);
    });
  });
});
