/**
 * docs/dpop-and-jwt-access-tokens.md runs as written (SPEC R14.7, R14.8): its curl examples
 * answer JSON with the fields the comment under each lists, and its two JavaScript examples run
 * with `node` and print what their comments say.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { authorize, Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { dpopKey } from '../helpers/dpop.ts';

const ROOT = join(import.meta.dirname, '../..');
const DOC = readFileSync(join(ROOT, 'docs/dpop-and-jwt-access-tokens.md'), 'utf8');
const MCP = 'https://mcp.example.com/mcp';
const execFileAsync = promisify(execFile);

function curlExamples(): { command: string; fields: string[] }[] {
  const out: { command: string; fields: string[] }[] = [];
  for (const [, block = ''] of DOC.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block.split('\n');
    lines.forEach((line, i) => {
      if (!line.startsWith('curl')) return;
      const fields = /^# fields: (.*)$/.exec(lines[i + 1] ?? '')?.[1]?.split(' ') ?? [];
      out.push({ command: line, fields });
    });
  }
  return out;
}

const jsExamples = (): string[] =>
  [...DOC.matchAll(/```js\n([\s\S]*?)```/g)].map(([, code = '']) => code);

describe.each(storeKinds.slice(0, 1))('docs/dpop-and-jwt-access-tokens.md on $name', (kind) => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  // Under node_modules so the scripts resolve jose, fastify and @tollgate/resource as an app would.
  const dir = mkdtempSync(join(ROOT, 'node_modules/.cache-docs-'));

  beforeAll(async () => {
    server = await startServer(kind, {
      profile: 'rfc',
      throttle: false,
      accessTokenFormat: 'jwt',
      resources: MCP,
    });
    const app = await server.addClient();
    const user = await server.addUser();
    const code = async (extra: Record<string, string> = {}): Promise<string> =>
      (await authorize(new Browser(server.url), user, { ...app, extra })).searchParams.get(
        'code',
      ) ?? '';
    const exchange = async (headers: Record<string, string>, extra: Record<string, string>) =>
      String(
        (
          await postForm(
            server.url,
            '/oauth/v2/token',
            {
              grant_type: 'authorization_code',
              code: await code(extra),
              client_id: app.clientId,
              client_secret: app.clientSecret,
              redirect_uri: app.redirectUri,
            },
            headers,
          )
        ).body.access_token,
      );
    const key = await dpopKey('ES256', () => server.now());
    env = {
      ...process.env,
      TG: server.url,
      CLIENT_ID: app.clientId,
      CLIENT_SECRET: app.clientSecret,
      REDIRECT_URI: app.redirectUri,
      CODE: await code(),
      DPOP_ACCESS_TOKEN: await exchange(
        { dpop: await key.proof('POST', `${server.url}/oauth/v2/token`) },
        {},
      ),
      ACCESS_TOKEN: await exchange({}, { resource: MCP }),
    };
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('R14.7, R14.8: each curl example answers the fields the document lists', async () => {
    const list = curlExamples();
    expect(list.length).toBe(3);
    for (const example of list) {
      expect(example.fields.length).toBeGreaterThan(0);
      const { stdout } = await execFileAsync('bash', ['-c', example.command], {
        env,
        timeout: 10_000,
      });
      const body = JSON.parse(stdout) as Record<string, unknown>;
      for (const field of example.fields)
        expect(body, `${example.command}: ${field}`).toHaveProperty(field);
      if (example.fields.includes('cnf')) {
        expect(body).toMatchObject({ active: true, token_type: 'DPoP' });
      }
    }
  });

  it('R14.7, R14.8: the JavaScript examples run and print what their comments say', async () => {
    const [dpop, jwt, ...rest] = jsExamples();
    expect(rest).toEqual([]);
    const run = async (code: string | undefined, name: string) => {
      const file = join(dir, name);
      writeFileSync(file, code ?? '');
      const { stdout } = await execFileAsync(process.execPath, [file], { env, timeout: 20_000 });
      return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    };
    expect(await run(dpop, 'dpop.mjs')).toEqual({
      token_type: 'DPoP',
      with_proof: 200,
      as_bearer: 401,
    });
    expect(await run(jwt, 'jwt.mjs')).toEqual({ status: 200 });
  });
});
