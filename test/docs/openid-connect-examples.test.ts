/**
 * docs/openid-connect.md's curl examples run as written against a real server, with $TG, the
 * app's credentials, a fresh $CODE (granted openid, email and profile with a nonce) and an
 * $ACCESS_TOKEN in the environment. Each answers JSON with the fields the comment under it lists.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { authorize, Browser, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { curlExamples } from '../helpers/doc-examples.ts';

const execFileAsync = promisify(execFile);

function examples(): { command: string; fields: string[] }[] {
  return curlExamples('openid-connect.md').map((e) => ({
    command: e.command,
    fields: /^# fields: (.*)$/.exec(e.comment)?.[1]?.split(' ') ?? [],
  }));
}

describe.each(storeKinds.slice(0, 1))('docs/openid-connect.md examples on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  it('R13.3: each example answers the fields the document lists', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const code = async (): Promise<string> =>
      (
        await authorize(new Browser(server.url), user, {
          ...app,
          scope: 'openid,email,profile',
          extra: { nonce: 'n-0S6_WzA2Mj' },
        })
      ).searchParams.get('code') ?? '';
    const tokens = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: await code(),
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
    });
    const env = {
      ...process.env,
      TG: server.url,
      CLIENT_ID: app.clientId,
      CLIENT_SECRET: app.clientSecret,
      REDIRECT_URI: app.redirectUri,
      CODE: await code(),
      ACCESS_TOKEN: tokens.body.access_token as string,
    };
    const list = examples();
    expect(list.length).toBe(4);
    for (const example of list) {
      expect(example.fields.length).toBeGreaterThan(0);
      const { stdout } = await execFileAsync('bash', ['-c', example.command], {
        env,
        timeout: 10_000,
      });
      const body = JSON.parse(stdout) as Record<string, unknown>;
      for (const field of example.fields)
        expect(body, `${example.command}: ${field}`).toHaveProperty(field);
    }
  });
});
