/**
 * Logs never contain a secret, code or token (issue 2; RFC 9700 §4.14 keeps refresh tokens
 * confidential): the whole flow runs with trace logging, errors included, and every line is
 * searched for every secret that crossed the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { obtainTokens, postForm, startServer, type TestServer } from '../helpers/server.ts';

describe.each(storeKinds)('logs on $name', (kind) => {
  const lines: string[] = [];
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(
      kind,
      { logLevel: 'trace' },
      { logStream: { write: (line) => void lines.push(line) } },
    );
  });
  afterAll(() => server.close());

  it('no log line contains a client secret, password, code, access token or refresh token', async () => {
    const app = await server.addClient();
    const user = await server.addUser(undefined, 'a very secret password');
    const t = await obtainTokens(server, { ...app, accessType: 'offline' }, user);
    const access = t.body.access_token as string;
    const refresh = t.body.refresh_token as string;
    // Errors too: replay a code in the query string, wrong secrets, a bad refresh, revocations.
    const secrets = [app.clientSecret, user.password, access, refresh];
    await postForm(
      server.url,
      `/oauth/v2/token?grant_type=refresh_token&refresh_token=${refresh}&client_id=${app.clientId}&client_secret=${app.clientSecret}`,
      {},
    );
    await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: app.clientId,
      client_secret: 'f'.repeat(42),
    });
    await fetch(`${server.url}/oauth/user/info?access_token=${access}`);
    await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${access}` },
    });
    await postForm(server.url, `/oauth/v2/token/revoke?token=${access}`, {});
    await postForm(
      server.url,
      '/oauth/v2/revoke',
      { token: refresh },
      {
        authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
      },
    );
    const codeRun = await obtainTokens(server, { ...app, prompt: 'consent' }, user);
    secrets.push(codeRun.body.access_token as string);
    expect(lines.length).toBeGreaterThan(10);
    const all = lines.join('');
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/1000\.[0-9a-f]{32}\.[0-9a-f]{32}/);
    expect(all).not.toMatch(/[?&](code|client_secret|refresh_token|token|password)=/);
  });
});
