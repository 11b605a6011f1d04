/**
 * SPEC R14.2: `@tollgate/resource` as an RFC 9728 protected resource. A Fastify API (plugin) and
 * a bare node:http API (middleware) protected by a running Tollgate (rfc profile, remote
 * verification): the metadata document at both well-known paths, `WWW-Authenticate` hints, and
 * the audience check against tokens minted with and without `resource` (RFC 8707).
 */
import { createServer, type Server } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  protectedResourceMetadataMiddleware,
  requireScopeMiddleware,
  tollgateResource,
  type TokenVerifier,
} from '../../src/exports/resource.ts';
import { storeKinds } from '../helpers/stores.ts';
import { obtainTokens, startServer, type TestServer } from '../helpers/server.ts';

const RESOURCE = 'https://api.example.com/mcp';
const METADATA_URL = 'https://api.example.com/.well-known/oauth-protected-resource/mcp';

describe.each(storeKinds)('R14.2 protected resource metadata on $name', (kind) => {
  let tollgate: TestServer;
  let verifier: TokenVerifier;
  let fastifyApi: FastifyInstance;
  let fastifyUrl: string;
  let nodeApi: Server;
  let nodeUrl: string;
  let app: { clientId: string; clientSecret: string; redirectUri: string };

  const tokenFor = async (resource?: string, scope = 'AaaServer.profile.READ') => {
    const res = await obtainTokens(tollgate, {
      ...app,
      scope,
      ...(resource === undefined ? {} : { extra: { resource } }),
    });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
    return String(res.body.access_token);
  };

  beforeAll(async () => {
    tollgate = await startServer(kind, { profile: 'rfc', throttle: false });
    app = await tollgate.addClient();
    const rs = await tollgate.addClient({ name: 'MCP server' });
    verifier = createTokenVerifier({
      mode: 'remote',
      issuer: tollgate.url,
      clientId: rs.clientId,
      clientSecret: rs.clientSecret,
      cacheTtlMs: 0,
    });
    fastifyApi = Fastify();
    await fastifyApi.register(tollgateResource, {
      verifier,
      profile: 'rfc',
      protectedResource: {
        resource: RESOURCE,
        authorizationServers: [tollgate.url],
        scopesSupported: ['AaaServer.profile.READ'],
        resourceName: 'Example MCP server',
      },
    });
    fastifyApi.get(
      '/mcp',
      { onRequest: fastifyApi.requireScope('AaaServer.profile.READ') },
      async (request) => ({ user: request.accessToken?.userId }),
    );
    fastifyApi.get(
      '/admin',
      { onRequest: fastifyApi.requireScope('SalesIQ.portals.ALL') },
      async () => ({ ok: true }),
    );
    fastifyUrl = await fastifyApi.listen({ port: 0, host: '127.0.0.1' });

    const metadata = protectedResourceMetadataMiddleware({
      resource: RESOURCE,
      authorizationServers: [tollgate.url],
    });
    const check = requireScopeMiddleware({
      verifier,
      scopes: ['AaaServer.profile.READ'],
      profile: 'rfc',
      resource: RESOURCE,
    });
    nodeApi = createServer((req, res) =>
      metadata(req, res, () => check(req, res, () => res.end(JSON.stringify({ ok: true })))),
    );
    await new Promise<void>((resolve) => nodeApi.listen(0, '127.0.0.1', resolve));
    const address = nodeApi.address();
    nodeUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await fastifyApi.close();
    await new Promise((resolve) => nodeApi.close(resolve));
    await tollgate.close();
  });

  it('R14.2: the metadata document is served at the path-suffixed and the bare well-known path', async () => {
    for (const base of [fastifyUrl, nodeUrl]) {
      for (const path of [
        '/.well-known/oauth-protected-resource/mcp',
        '/.well-known/oauth-protected-resource',
      ]) {
        const res = await fetch(`${base}${path}`);
        expect(res.status).toBe(200);
        const doc = (await res.json()) as Record<string, unknown>;
        expect(doc).toMatchObject({
          resource: RESOURCE,
          authorization_servers: [tollgate.url],
          bearer_methods_supported: ['header'],
        });
        if (base === fastifyUrl) {
          expect(doc.scopes_supported).toEqual(['AaaServer.profile.READ']);
          expect(doc.resource_name).toBe('Example MCP server');
        }
      }
    }
  });

  it('R14.2: a request without a token gets 401 with WWW-Authenticate resource_metadata', async () => {
    for (const base of [fastifyUrl, nodeUrl]) {
      const res = await fetch(`${base}/mcp`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="tollgate", resource_metadata="${METADATA_URL}"`,
      );
    }
  });

  it('R14.2: a token for this resource passes; one for another resource or none is invalid_token', async () => {
    const good = await tokenFor(RESOURCE);
    const other = await tokenFor('https://other.example.com/api');
    const unbound = await tokenFor();
    for (const base of [fastifyUrl, nodeUrl]) {
      const ok = await fetch(`${base}/mcp`, { headers: { authorization: `Bearer ${good}` } });
      expect(ok.status).toBe(200);
      for (const token of [other, unbound]) {
        const res = await fetch(`${base}/mcp`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({
          error: 'invalid_token',
          error_description: 'The access token was not issued for this resource.',
        });
        expect(res.headers.get('www-authenticate')).toContain(
          `error="invalid_token", error_description="The access token was not issued for this resource.", resource_metadata="${METADATA_URL}"`,
        );
      }
    }
  });

  it('R14.2: insufficient scope is 403 with scope= and resource_metadata', async () => {
    const good = await tokenFor(RESOURCE);
    const res = await fetch(`${fastifyUrl}/admin`, {
      headers: { authorization: `Bearer ${good}` },
    });
    expect(res.status).toBe(403);
    const header = res.headers.get('www-authenticate') ?? '';
    expect(header).toContain('error="insufficient_scope"');
    expect(header).toContain('scope="SalesIQ.portals.ALL"');
    expect(header).toContain(`resource_metadata="${METADATA_URL}"`);
  });
});
