/**
 * SPEC R12.5, composite operations: Zoho Campaigns names scopes such as
 * `ZohoCampaigns.contact.CREATE-UPDATE` and `ZohoCampaigns.campaign.WRITE`. Over real HTTP, in
 * both stores: such a scope is accepted by the authorization endpoint under `--scopes zoho`,
 * comes back in the token's scope, is enforced by the resource middleware as a whole, is covered
 * by `X.ALL`, and a malformed one is `invalid_scope`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  requireScopeMiddleware,
  type AuthorizedRequest,
} from '../../src/exports/resource.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorizeUrl,
  Browser,
  obtainTokens,
  signIn,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import { call, expectRefusal } from '../api/helpers.ts';

/** A node:http API that lets a request through only with every one of `scopes`. */
async function protectedApi(server: TestServer, scopes: string[]): Promise<Server> {
  const verifier = createTokenVerifier({ mode: 'local', store: server.store, now: server.now });
  const check = requireScopeMiddleware({ verifier, scopes, profile: 'zoho' });
  const api = createServer((req, res) => {
    check(req as AuthorizedRequest, res, () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  return api;
}

const urlOf = (api: Server): string => `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
const close = (api: Server): Promise<void> => new Promise((resolve) => api.close(() => resolve()));

describe.each(storeKinds)('R12.5 composite operations ($name)', (kind) => {
  let zoho: TestServer;
  let any: TestServer;
  const apis: Server[] = [];

  beforeAll(async () => {
    zoho = await startServer(kind, { profile: 'zoho', scopes: 'zoho', throttle: false });
    any = await startServer(kind, { profile: 'zoho', scopes: 'any', throttle: false });
  });
  afterAll(async () => {
    await Promise.all(apis.map(close));
    await zoho.close();
    await any.close();
  });

  /** An access token for `scope` through the full code flow on `server`. */
  async function tokenFor(server: TestServer, scope: string): Promise<Record<string, unknown>> {
    const app = await server.addClient();
    const res = await obtainTokens(server, { ...app, scope });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function api(scopes: string[]): Promise<string> {
    const server = await protectedApi(zoho, scopes);
    apis.push(server);
    return urlOf(server);
  }

  it('R12.5: a composite scope is accepted under --scopes zoho and comes back in the token, in the catalogue spelling', async () => {
    const body = await tokenFor(
      zoho,
      'zohocampaigns.contact.create-update,ZohoCampaigns.campaign.WRITE',
    );
    expect(body.scope).toBe('ZohoCampaigns.contact.CREATE-UPDATE ZohoCampaigns.campaign.WRITE');
    expect(body.access_token).toBeTypeOf('string');
  });

  it('R12.5: the resource middleware enforces a composite scope as a whole', async () => {
    const token = (await tokenFor(zoho, 'ZohoCampaigns.contact.CREATE-UPDATE'))
      .access_token as string;
    // The composite itself passes, in any case.
    expect(
      (await call(await api(['ZohoCampaigns.contact.CREATE-UPDATE']), '/', { token })).status,
    ).toBe(200);
    expect(
      (await call(await api(['zohocampaigns.CONTACT.Create-Update']), '/', { token })).body,
    ).toEqual({ ok: true });
    // Its parts, and larger composites, do not.
    for (const needed of [
      'ZohoCampaigns.contact.CREATE',
      'ZohoCampaigns.contact.UPDATE',
      'ZohoCampaigns.contact.WRITE',
      'ZohoCampaigns.contact.CREATE-UPDATE-DELETE',
    ])
      expectRefusal(await call(await api([needed]), '/', { token }), 'zoho', 'insufficient_scope');
    // And a plain CREATE grant does not pass a check for the composite.
    const create = (await tokenFor(zoho, 'ZohoCampaigns.contact.CREATE')).access_token as string;
    expectRefusal(
      await call(await api(['ZohoCampaigns.contact.CREATE-UPDATE']), '/', { token: create }),
      'zoho',
      'insufficient_scope',
    );
  });

  it('R12.5: X.ALL covers a composite of READ, CREATE, UPDATE, DELETE and WRITE at X, not an unknown word', async () => {
    const token = (await tokenFor(zoho, 'ZohoCampaigns.contact.ALL')).access_token as string;
    for (const needed of [
      'ZohoCampaigns.contact.CREATE-UPDATE',
      'ZohoCampaigns.contact.WRITE',
      'ZohoCampaigns.contact.READ',
    ])
      expect((await call(await api([needed]), '/', { token })).status, needed).toBe(200);
    expectRefusal(
      await call(await api(['ZohoCampaigns.contact.CREATE-EXPORT']), '/', { token }),
      'zoho',
      'insufficient_scope',
    );
    expectRefusal(
      await call(await api(['ZohoCampaigns.campaign.WRITE']), '/', { token }),
      'zoho',
      'insufficient_scope',
    );
  });

  it('R12.5: under --scopes any a well-formed composite is accepted and a malformed one is invalid_scope', async () => {
    expect((await tokenFor(any, 'Acme.widgets.CREATE-UPDATE-DELETE')).scope).toBe(
      'Acme.widgets.CREATE-UPDATE-DELETE',
    );
    const app = await any.addClient();
    const user = await any.addUser();
    const browser = new Browser(any.url);
    await signIn(browser, user.email, user.password);
    for (const scope of [
      'Acme.widgets.-READ',
      'Acme.widgets.READ-',
      'Acme.widgets.READ--X',
      'Acme.widgets.READ-2',
      'Acme.widgets.CREATE_UPDATE',
    ]) {
      const res = await browser.get(
        authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri, scope, state: 's' }),
      );
      expect(res.status, scope).toBe(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.origin + location.pathname, scope).toBe(app.redirectUri);
      expect(location.searchParams.get('error'), scope).toBe('invalid_scope');
    }
  });
});
