/**
 * A small web app that signs a user in with Tollgate (or Zoho) and calls the SalesIQ-style API
 * with the user's token, using `tollgate/client`.
 *
 *   npx tollgate serve --demo                         # prints a demo user and app
 *   TOLLGATE_URL=http://127.0.0.1:3000 CLIENT_ID=... CLIENT_SECRET=... \
 *     node --import tsx examples/sign-in-app.ts        # then open http://127.0.0.1:5173/
 *
 * The app's redirect URI, http://127.0.0.1:5173/callback by default, must be registered for
 * the client (`tollgate client add --redirect-uri ...`). Against Zoho, set DC=eu (or us, in,
 * au, jp, ca, sa, uk, cn) instead of TOLLGATE_URL. Tokens are kept in a file store, so a
 * restart does not sign the user out; a real app keeps one store entry per user.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createClient,
  createFileStore,
  isDataCentre,
  OAuthError,
  TollgateClientError,
} from '@tollgate/client';
import type { CallbackChecks } from '@tollgate/client';

/** Options of {@link startExampleApp}. */
export interface ExampleAppOptions {
  readonly accountsUrl?: string;
  readonly dc?: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly port?: number;
  readonly tokenFile: string;
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (body: string): string =>
  `<!doctype html><meta charset="utf-8"><title>Example app</title><main style="font-family:sans-serif;max-width:40em;margin:2em auto">${body}</main>`;

/** Starts the example app; resolves with its URL and a way to stop it. */
export async function startExampleApp(
  options: ExampleAppOptions,
): Promise<{ url: string; server: Server }> {
  const port = options.port ?? 5173;
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const client = createClient({
    ...(options.dc !== undefined && isDataCentre(options.dc)
      ? { dc: options.dc }
      : { accountsUrl: options.accountsUrl ?? 'http://127.0.0.1:3000' }),
    clientId: options.clientId,
    ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
    redirectUri,
    scopes: ['AaaServer.profile.READ', 'SalesIQ.portals.READ'],
    store: createFileStore({ path: options.tokenFile, profile: 'example-app' }),
  });
  // One pending sign-in per browser, keyed by a cookie; a real app keeps this in its session.
  const pending = new Map<string, CallbackChecks>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', redirectUri);
    const sid = /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res
        .writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers })
        .end(page(body));
    };
    const handle = async (): Promise<void> => {
      if (url.pathname === '/login') {
        const request = client.authorizationUrl({ accessType: 'offline' });
        const id = crypto.randomUUID();
        pending.set(id, { state: request.state, codeVerifier: request.codeVerifier });
        res
          .writeHead(302, {
            location: request.url,
            'set-cookie': `sid=${id}; HttpOnly; SameSite=Lax; Path=/`,
          })
          .end();
        return;
      }
      if (url.pathname === '/callback') {
        const checks = sid === undefined ? undefined : pending.get(sid);
        if (sid !== undefined) pending.delete(sid);
        await client.handleCallback(url, checks ?? { state: '' });
        res.writeHead(302, { location: '/' }).end();
        return;
      }
      if (url.pathname === '/logout') {
        await client.revoke();
        res.writeHead(302, { location: '/' }).end();
        return;
      }
      if (url.pathname !== '/') {
        send(404, '<p>Not found.</p>');
        return;
      }
      if ((await client.getTokens()) === undefined) {
        send(200, '<h1>Example app</h1><p><a href="/login">Sign in with Tollgate</a></p>');
        return;
      }
      const me = await client.userInfo();
      const portals = await client.fetch('/api/v2/portals');
      const portalsText = await portals.text();
      send(
        200,
        `<h1>Hello, ${escape(me.Display_Name)}</h1><p>Signed in as ${escape(me.Email)} (ZUID ${me.ZUID}).</p>` +
          `<h2>GET /api/v2/portals</h2><pre>${escape(portalsText)}</pre><p><a href="/logout">Sign out</a></p>`,
      );
    };
    handle().catch((error: unknown) => {
      // The SDK's errors say what went wrong and what to do: show both.
      const hint =
        error instanceof OAuthError || error instanceof TollgateClientError ? error.hint : '';
      const message = error instanceof Error ? error.message : String(error);
      send(
        400,
        `<h1>Sign-in problem</h1><p>${escape(message)}</p><p>${escape(hint)}</p><p><a href="/">Start again</a></p>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${actual}`, server };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const clientId = process.env['CLIENT_ID'];
  if (clientId === undefined) {
    process.stderr.write(
      'Set CLIENT_ID (and CLIENT_SECRET, TOLLGATE_URL or DC); see the comment at the top of this file.\n',
    );
    process.exit(2);
  }
  const { url } = await startExampleApp({
    accountsUrl: process.env['TOLLGATE_URL'],
    dc: process.env['DC'],
    clientId,
    clientSecret: process.env['CLIENT_SECRET'],
    port: Number(process.env['PORT'] ?? 5173),
    tokenFile: process.env['TOKEN_FILE'] ?? 'example-tokens.json',
  });
  process.stdout.write(`Example app on ${url}/\n`);
}
