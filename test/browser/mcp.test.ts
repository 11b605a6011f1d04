/**
 * SPEC R14 with the official MCP SDK, as a person meets it: the SDK's own client OAuth flow
 * discovers Tollgate from the MCP example's protected resource metadata, registers dynamically,
 * and sends the person to Tollgate; the person signs in and accepts in Chromium; the SDK
 * exchanges the code (PKCE, `resource`) and calls a tool. examples/mcp/mcp.test.ts covers the
 * same flow (and the metadata-document variant) with the testing handle in place of a browser.
 */
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTollgate, type TestUser, type TollgateHandle } from '../../src/testing/index.ts';
import { MemoryProvider } from '../../examples/mcp/provider.ts';
import { startMcpExample } from '../../examples/mcp/server.ts';
import {
  describeInBrowser,
  expectNoProblems,
  fillSignIn,
  launchChromium,
  newPage,
  startAppServer,
} from '../helpers/browser.ts';

/** The person's part, in Chromium: sign in, check the consent page, accept; returns the code. */
async function consentInChromium(
  chromium: Browser,
  user: TestUser,
  url: URL,
  redirectUri: string,
  problems: string[],
): Promise<string> {
  const { context, page, problems: seen } = await newPage(chromium);
  try {
    await page.goto(url.toString());
    await fillSignIn(page, user.email, user.password);
    await page.getByRole('button', { name: 'Accept' }).waitFor();
    // The consent page names the app as it registered itself, and says it is unchecked.
    expect(await page.locator('.app-name').textContent()).toBe('MCP SDK in Chromium');
    expect(await page.content()).toContain(
      'This app registered itself; its name has not been checked.',
    );
    const back = new URL(redirectUri);
    await Promise.all([
      page.waitForURL((u) => u.origin === back.origin && u.pathname === back.pathname),
      page.getByRole('button', { name: 'Accept' }).click(),
    ]);
    return new URL(page.url()).searchParams.get('code') ?? '';
  } finally {
    problems.push(...seen);
    await context.close();
  }
}

describeInBrowser('the MCP example with sign-in and consent in Chromium', () => {
  let tollgate: TollgateHandle;
  let mcp: { url: string; server: Server };
  let chromium: Browser;
  let app: Awaited<ReturnType<typeof startAppServer>>;
  beforeAll(async () => {
    [tollgate, chromium, app] = await Promise.all([
      startTollgate({ profile: 'rfc', throttle: false, registration: 'open' }),
      launchChromium(),
      startAppServer(),
    ]);
    const introspector = await tollgate.createClient({ name: 'MCP server' });
    mcp = await startMcpExample({
      tollgateUrl: tollgate.url,
      clientId: introspector.clientId,
      clientSecret: introspector.clientSecret,
      port: 0,
    });
  });
  afterAll(async () => {
    if (mcp) await new Promise((resolve) => mcp.server.close(resolve));
    await chromium?.close();
    await app?.close();
    await tollgate?.stop();
  });

  it('R14.2/R14.3: the SDK registers, a person signs in and accepts in Chromium, the SDK gets a token for the MCP server and calls a tool', async () => {
    const user = await tollgate.createUser();
    const problems: string[] = [];
    const provider = new MemoryProvider({
      redirectUri: app.redirectUri,
      clientName: 'MCP SDK in Chromium',
      authorize: (url) => consentInChromium(chromium, user, url, app.redirectUri, problems),
    });
    const first = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider });
    await expect(
      new Client({ name: 'test', version: '1.0.0' }).connect(first),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.information?.client_id).toMatch(/^1000\.[A-Z0-9]{30}$/);
    expect(provider.authorizationUrl?.searchParams.get('resource')).toBe(mcp.url);
    expect(provider.authorizationUrl?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(provider.code).toMatch(/^1000\./);

    await first.finishAuth(provider.code as string);
    expect(provider.saved?.token_type).toBe('Bearer');
    const connected = new Client({ name: 'test', version: '1.0.0' });
    await connected.connect(
      new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider }),
    );
    const result = await connected.callTool({ name: 'whoami', arguments: {} });
    expect(result.content).toEqual([
      {
        type: 'text',
        text: JSON.stringify({ userId: user.zuid, clientId: provider.information?.client_id }),
      },
    ]);
    await connected.close();
    expectNoProblems(problems);
  });
});
