/**
 * The README's endpoint examples run exactly as written against a real server, in the order a
 * reader runs them (issue 17, point 6): `npm start`'s demo app, the home page's walkthrough (which
 * records the demo user's consent), then the README's authorization URL opened in the same
 * browser, then the ```sh blocks that use curl with $T, $CLIENT_ID, ... with those variables in
 * the environment: exchange, refresh, self client, user info, both revocations, introspection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDemo } from '../../src/cli/demo.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorizeAt,
  Browser,
  hiddenField,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** The shell blocks of the README that call curl against $T. */
function curlBlocks(): string[] {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.filter((b) => b.includes('curl') && b.includes('$T'));
}

/** The README's authorization URL (the unlabelled block under "Authorization"). */
function authorizationUrlBlock(): string {
  const blocks = [...README.matchAll(/^```\w*\n([\s\S]*?)^```$/gm)].map((m) => (m[1] ?? '').trim());
  const found = blocks.filter((b) => b.startsWith('$T/oauth/v2/auth?'));
  expect(found).toHaveLength(1);
  return found[0] as string;
}

/** What the reader's shell would make of `$NAME`s: each replaced by its value. */
const expand = (text: string, env: Record<string, string>): string =>
  text.replace(/\$([A-Z_]+)/g, (_, name: string) => env[name] ?? '');

const execFileAsync = promisify(execFile);

/** Runs one block with bash (the server is in this process, so never block it) and returns each command's stdout. */
async function run(block: string, env: Record<string, string>): Promise<string[]> {
  const commands = block
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim().startsWith('curl'));
  const out: string[] = [];
  for (const command of commands) {
    // -sS goes before the README's trailing comment, if any.
    const [call, comment] = command.split(/\s+#\s/);
    const { stdout } = await execFileAsync(
      'bash',
      ['-c', `${call} -sS${comment === undefined ? '' : ` # ${comment}`}`],
      { env: { ...process.env, ...env }, timeout: 10_000 },
    );
    out.push(stdout);
  }
  return out;
}

describe.each(storeKinds.slice(0, 1))('README curl examples on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  it('issue 17 point 6: each example answers as the README says, run in the order a reader runs them', async () => {
    const blocks = curlBlocks();
    expect(blocks).toHaveLength(6);
    // `npm start`: the demo user and app, whose credentials the README's examples use.
    const demo = await ensureDemo(server.store, ':memory:', server.url, server.now());
    server.app.tollgate.setDemo(demo);
    const user = { email: demo.email, password: demo.password };
    // The home page's walkthrough, in the reader's browser: it records the demo user's consent.
    const browser = new Browser(server.url);
    const home = await (await browser.get('/')).text();
    const start = /<a class="button" href="([^"]+)">Start the authorization/
      .exec(home)?.[1]
      ?.replace(/&amp;/g, '&');
    expect(start).toMatch(/^\/oauth\/v2\/auth\?/);
    const walkthrough = await authorizeAt(browser, user, start as string);
    expect(walkthrough.pathname).toBe('/demo/callback');
    await browser.get(walkthrough.pathname + walkthrough.search);
    const walked = await (await browser.get('/')).text();
    const exchanged = await browser.post('/demo/exchange', { _csrf: hiddenField(walked, '_csrf') });
    expect(exchanged.status).toBe(303);

    const owner = await server.addUser();
    const self = await server.addClient({ type: 'self', owner: owner.zuid });
    const rs = await server.addClient({ name: 'Resource server' });
    const env: Record<string, string> = {
      T: server.url,
      CLIENT_ID: demo.clientId,
      CLIENT_SECRET: demo.clientSecret,
      REDIRECT_URI: demo.redirectUri,
      SELF_ID: self.clientId,
      SELF_SECRET: self.clientSecret,
      RS_ID: rs.clientId,
      RS_SECRET: rs.clientSecret,
    };
    // The README's authorization URL, opened in the same browser after the walkthrough.
    const redirect = await authorizeAt(browser, user, expand(authorizationUrlBlock(), env));
    expect(redirect.pathname).toBe('/demo/callback');
    expect(redirect.searchParams.get('state')).toBe('xyz');
    env.CODE = redirect.searchParams.get('code') ?? '';
    const json = (s: string): Record<string, unknown> => JSON.parse(s) as Record<string, unknown>;
    const [exchange, refresh, selfClient, userInfo, revoke, introspect] = blocks as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];

    const tokens = json((await run(exchange, env))[0] ?? '');
    // The walkthrough consented first: only prompt=consent brings a refresh token now (SPEC R5.1).
    expect(tokens.refresh_token).toMatch(/^1000\.[0-9a-f]+\.[0-9a-f]+$/);
    env.REFRESH_TOKEN = tokens.refresh_token as string;
    const refreshed = json((await run(refresh, env))[0] ?? '');
    expect(refreshed.access_token).toMatch(/^1000\.[0-9a-f]+\.[0-9a-f]+$/);
    env.ACCESS_TOKEN = refreshed.access_token as string;
    expect(json((await run(selfClient, env))[0] ?? '').scope).toBe('SalesIQ.portals.READ');
    expect(json((await run(userInfo, env))[0] ?? '').Email).toBe(user.email);
    expect(json((await run(introspect, env))[0] ?? '')).toMatchObject({
      active: true,
      client_id: demo.clientId,
    });
    const [zoho, rfc] = await run(revoke, env);
    expect(json(zoho ?? '')).toEqual({ status: 'success' });
    expect(rfc).toBe('');
    expect(json((await run(introspect, env))[0] ?? '')).toEqual({ active: false });
    // The revoked refresh token is refused from now on.
    expect(
      (
        await postForm(server.url, '/oauth/v2/token', {
          grant_type: 'refresh_token',
          refresh_token: env.REFRESH_TOKEN,
          client_id: demo.clientId,
          client_secret: demo.clientSecret,
        })
      ).body,
    ).toEqual({ error: 'invalid_code' });
  });
});
