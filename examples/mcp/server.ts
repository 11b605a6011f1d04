/**
 * An MCP server (the official `@modelcontextprotocol/sdk`, streamable HTTP) protected by
 * Tollgate through `@tollgate/resource`:
 *
 * - it publishes its protected resource metadata (RFC 9728) naming Tollgate as its authorization
 *   server, so MCP clients discover Tollgate by themselves;
 * - every call to `/mcp` needs a Bearer token whose audience is this server (RFC 8707), checked
 *   by introspection; refusals carry `WWW-Authenticate: Bearer resource_metadata="..."`.
 *
 *   npx tollgate serve --profile rfc --registration open      # Tollgate on :3000
 *   npx tollgate client add --name "MCP server" --domain http://127.0.0.1:3001 \
 *     --redirect-uri http://127.0.0.1:3001/unused               # the server's introspection client
 *   TOLLGATE_URL=http://127.0.0.1:3000 CLIENT_ID=... CLIENT_SECRET=... \
 *     node --import tsx examples/mcp/server.ts                 # MCP server on :3001/mcp
 *
 * docs/mcp.md walks through it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  createTokenVerifier,
  protectedResourceMetadataMiddleware,
  requireScopeMiddleware,
  type AccessTokenClaims,
  type AuthorizedRequest,
} from '@tollgate/resource';

/** Options of {@link startMcpExample}. */
export interface McpExampleOptions {
  /** Tollgate's base URL (its issuer). */
  readonly tollgateUrl: string;
  /** A confidential client of Tollgate that this server introspects tokens with. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Port on 127.0.0.1 (default 3001; 0 picks a free one). */
  readonly port?: number;
  /** The scope a token needs (default `AaaServer.profile.READ`). */
  readonly scope?: string;
}

/** The MCP server's tools for one caller: they see only that caller's token. */
function mcpServerFor(claims: AccessTokenClaims): McpServer {
  const server = new McpServer({ name: 'tollgate-example', version: '1.0.0' });
  server.registerTool(
    'whoami',
    { description: 'Says which Tollgate user and app the access token belongs to.' },
    async () => ({
      content: [
        {
          type: 'text',
          text: JSON.stringify({ userId: claims.userId, clientId: claims.clientId }),
        },
      ],
    }),
  );
  return server;
}

/** Starts the example; resolves with its MCP endpoint URL and the HTTP server. */
export async function startMcpExample(
  options: McpExampleOptions,
): Promise<{ url: string; server: Server }> {
  const scope = options.scope ?? 'AaaServer.profile.READ';
  const verifier = createTokenVerifier({
    mode: 'remote',
    issuer: options.tollgateUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
  });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 3001, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // The resource identifier is the URL clients call (RFC 8707, RFC 9728 §3).
  const resource = `http://127.0.0.1:${port}/mcp`;
  const metadata = protectedResourceMetadataMiddleware({
    resource,
    authorizationServers: [options.tollgateUrl],
    scopesSupported: [scope],
  });
  const guard = requireScopeMiddleware({ verifier, scopes: [scope], resource, profile: 'rfc' });

  server.on('request', (req: AuthorizedRequest, res) => {
    metadata(req, res, () => {
      if ((req.url ?? '').split('?')[0] !== '/mcp') return void res.writeHead(404).end();
      guard(req, res, () => {
        // Stateless streamable HTTP: one MCP server and transport per request.
        const mcp = mcpServerFor(req.accessToken as AccessTokenClaims);
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.on('close', () => {
          void transport.close();
          void mcp.close();
        });
        mcp
          .connect(transport)
          .then(() => transport.handleRequest(req, res))
          .catch(() => {
            if (!res.headersSent) res.writeHead(500).end();
          });
      });
    });
  });
  return { url: resource, server };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await startMcpExample({
    tollgateUrl: process.env['TOLLGATE_URL'] ?? 'http://127.0.0.1:3000',
    clientId: process.env['CLIENT_ID'] ?? '',
    clientSecret: process.env['CLIENT_SECRET'] ?? '',
    port: Number(process.env['PORT'] ?? 3001),
  });
  process.stdout.write(`MCP server at ${url}\n`);
}
