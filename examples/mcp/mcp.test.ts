/**
 * SPEC R14 end to end with the official MCP SDK: its client's own OAuth flow (`auth()` through
 * the streamable HTTP transport, with an `OAuthClientProvider`) finds Tollgate from the MCP
 * server's protected resource metadata, registers dynamically (RFC 7591) or, given a
 * `clientMetadataUrl`, identifies itself by an https Client ID Metadata Document, authorizes
 * with PKCE and `resource`, gets a token and calls a tool. Sign-in and consent are done by the
 * testing handle. A token minted for another resource is refused by the MCP server.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer, globalAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTollgate, type TestUser, type TollgateHandle } from '../../src/testing/index.ts';
import { MemoryProvider } from './provider.ts';
import { startMcpExample } from './server.ts';

const REDIRECT = 'http://127.0.0.1:45999/callback';

/** The MCP SDK's client provider, with the testing handle signing in and consenting. */
const handleProvider = (
  tollgate: TollgateHandle,
  user: TestUser,
  clientMetadataUrl?: string,
): MemoryProvider =>
  new MemoryProvider({
    redirectUri: REDIRECT,
    clientName: clientMetadataUrl ? 'MCP SDK test client (CIMD)' : 'MCP SDK test client',
    ...(clientMetadataUrl ? { clientMetadataUrl } : {}),
    authorize: async (url) => {
      const result = await tollgate.openAuthorizationUrl(url.toString(), { user });
      if (!('code' in result)) throw new Error(`authorization failed: ${result.error}`);
      return result.code;
    },
  });

describe('the MCP example (examples/mcp): the official MCP SDK client against Tollgate', () => {
  let tollgate: TollgateHandle;
  let mcp: { url: string; server: Server };
  let user: TestUser;
  beforeAll(async () => {
    // The metadata document server below listens on loopback, which only this flag allows.
    tollgate = await startTollgate({
      profile: 'rfc',
      throttle: false,
      registration: 'open',
      allowLoopbackClientMetadata: true,
    });
    const introspector = await tollgate.createClient({ name: 'MCP server' });
    mcp = await startMcpExample({
      tollgateUrl: tollgate.url,
      clientId: introspector.clientId,
      clientSecret: introspector.clientSecret,
      port: 0,
    });
    user = await tollgate.createUser();
  });
  afterAll(async () => {
    await new Promise((resolve) => mcp.server.close(resolve));
    await tollgate.stop();
  });

  it('R14.2/R14.3: the SDK discovers Tollgate through the resource metadata, registers, authorizes with PKCE and resource, and calls a tool', async () => {
    const provider = handleProvider(tollgate, user);
    const first = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);

    // It registered dynamically (a public client) and sent PKCE S256 and the MCP server as resource.
    expect(provider.information?.client_id).toMatch(/^1000\.[A-Z0-9]{30}$/);
    const sent = provider.authorizationUrl as URL;
    expect(`${sent.origin}${sent.pathname}`).toBe(`${tollgate.url}/oauth/v2/auth`);
    expect(sent.searchParams.get('resource')).toBe(mcp.url);
    expect(sent.searchParams.get('code_challenge_method')).toBe('S256');
    expect(sent.searchParams.get('scope')).toBe('AaaServer.profile.READ');

    await first.finishAuth(provider.code as string);
    expect(provider.saved?.token_type).toBe('Bearer');

    const second = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider });
    const connected = new Client({ name: 'test', version: '1.0.0' });
    await connected.connect(second);
    const result = await connected.callTool({ name: 'whoami', arguments: {} });
    expect(result.content).toEqual([
      {
        type: 'text',
        text: JSON.stringify({ userId: user.zuid, clientId: provider.information?.client_id }),
      },
    ]);
    await connected.close();
  });

  it('R14.2: a token minted for another resource is refused by the MCP server with a resource_metadata hint', async () => {
    const app = await tollgate.createClient({ redirectUris: ['https://app.example.com/callback'] });
    const auth = await tollgate.authorize({
      clientId: app.clientId,
      user,
      scope: 'AaaServer.profile.READ',
      resource: 'https://other.example.com/mcp',
    });
    if (!('code' in auth)) throw new Error(auth.error);
    const tokens = (await (
      await fetch(`${tollgate.url}/oauth/v2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: auth.code,
          client_id: app.clientId,
          client_secret: app.clientSecret,
          redirect_uri: 'https://app.example.com/callback',
        }),
      })
    ).json()) as { access_token: string };
    const res = await fetch(mcp.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="tollgate", error="invalid_token", error_description="The access token was not issued for this resource.", resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', mcp.url).toString()}"`,
    );
  });

  it('R14.4: with a clientMetadataUrl the SDK identifies itself by its https metadata document instead of registering', async () => {
    // A throwaway certificate for 127.0.0.1, trusted by this process only.
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cimd-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    const key = readFileSync(join(dir, 'key.pem'));
    rmSync(dir, { recursive: true, force: true });
    const previousCa = globalAgent.options.ca;
    globalAgent.options.ca = cert;
    let documentUrl = '';
    let fetches = 0;
    const documents = createHttpsServer({ cert, key }, (_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          client_id: documentUrl,
          client_name: 'MCP SDK test client (CIMD)',
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      );
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    documentUrl = `https://127.0.0.1:${(documents.address() as AddressInfo).port}/client.json`;
    try {
      const provider = handleProvider(tollgate, user, documentUrl);
      const first = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider });
      await expect(
        new Client({ name: 'test', version: '1.0.0' }).connect(first),
      ).rejects.toBeInstanceOf(UnauthorizedError);
      expect(provider.information?.client_id).toBe(documentUrl);
      expect(provider.authorizationUrl?.searchParams.get('client_id')).toBe(documentUrl);
      expect(fetches).toBe(1);
      await first.finishAuth(provider.code as string);

      const connected = new Client({ name: 'test', version: '1.0.0' });
      await connected.connect(
        new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider }),
      );
      const result = await connected.callTool({ name: 'whoami', arguments: {} });
      expect(result.content).toEqual([
        { type: 'text', text: JSON.stringify({ userId: user.zuid, clientId: documentUrl }) },
      ]);
      await connected.close();
    } finally {
      globalAgent.options.ca = previousCa;
      documents.closeAllConnections();
      await new Promise((resolve) => documents.close(resolve));
    }
  });
});
