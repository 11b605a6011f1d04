/**
 * The README's endpoint examples (the ```sh blocks 3-8 that use curl with $T, $CLIENT_ID, ...)
 * run exactly as written against a real server, with those variables in the environment, in
 * the README's order: exchange, refresh, self client, user info, both revocations, introspection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { storeKinds } from '../helpers/stores.ts';
import { authorize, Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** The shell blocks of the README that call curl against $T. */
function curlBlocks(): string[] {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.filter((b) => b.includes('curl') && b.includes('$T'));
}

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

  it('each example answers as the README says', async () => {
    const blocks = curlBlocks();
    expect(blocks).toHaveLength(6);
    const app = await server.addClient();
    const user = await server.addUser();
    const owner = await server.addUser();
    const self = await server.addClient({ type: 'self', owner: owner.zuid });
    const rs = await server.addClient({ name: 'Resource server' });
    const redirect = await authorize(new Browser(server.url), user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      accessType: 'offline',
    });
    const env: Record<string, string> = {
      T: server.url,
      CLIENT_ID: app.clientId,
      CLIENT_SECRET: app.clientSecret,
      REDIRECT_URI: app.redirectUri,
      CODE: redirect.searchParams.get('code') ?? '',
      SELF_ID: self.clientId,
      SELF_SECRET: self.clientSecret,
      RS_ID: rs.clientId,
      RS_SECRET: rs.clientSecret,
    };
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
    expect(tokens.refresh_token).toBeDefined();
    env.REFRESH_TOKEN = tokens.refresh_token as string;
    const refreshed = json((await run(refresh, env))[0] ?? '');
    expect(refreshed.access_token).toBeDefined();
    env.ACCESS_TOKEN = refreshed.access_token as string;
    expect(json((await run(selfClient, env))[0] ?? '').scope).toBe('SalesIQ.portals.READ');
    expect(json((await run(userInfo, env))[0] ?? '').Email).toBe(user.email);
    expect(json((await run(introspect, env))[0] ?? '')).toMatchObject({
      active: true,
      client_id: app.clientId,
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
          client_id: app.clientId,
          client_secret: app.clientSecret,
        })
      ).body,
    ).toEqual({ error: 'invalid_code' });
  });
});
