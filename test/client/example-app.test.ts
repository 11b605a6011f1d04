import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExampleApp } from '../../examples/sign-in-app.ts';
import { authorize, Browser } from '../helpers/server.ts';
import { startCountingServer } from './helpers/tollgate.ts';
import type { CountingServer } from './helpers/tollgate.ts';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('the example app (examples/sign-in-app.ts)', () => {
  let server: CountingServer;
  let example: { url: string; server: Server };
  let dir: string;
  let app: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    server = await startCountingServer({ throttle: false });
    dir = await mkdtemp(join(tmpdir(), 'tollgate-example-'));
    const port = await freePort();
    app = await server.addClient({ redirectUris: [`http://127.0.0.1:${port}/callback`] });
    example = await startExampleApp({
      accountsUrl: server.url,
      ...app,
      port,
      tokenFile: join(dir, 'tokens.json'),
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => example.server.close(resolve));
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('signs a user in through Tollgate and shows who they are', async () => {
    const user = await server.addUser();
    const visitor = new Browser(example.url);
    expect(await (await visitor.get('/')).text()).toContain('Sign in with Tollgate');
    const start = await visitor.get('/login');
    const q = new URL(start.headers.get('location') ?? '').searchParams;
    const callback = await authorize(new Browser(server.url), user, {
      clientId: q.get('client_id') ?? '',
      redirectUri: q.get('redirect_uri') ?? '',
      scope: q.get('scope') ?? '',
      state: q.get('state') ?? '',
      accessType: 'offline',
      codeChallenge: q.get('code_challenge') ?? '',
      codeChallengeMethod: 'S256',
    });
    const back = await visitor.get(`${callback.pathname}${callback.search}`);
    expect(back.status).toBe(302);
    const home = await (await visitor.get('/')).text();
    expect(home).toContain(`Signed in as ${user.email}`);
    expect(home).toContain('GET /api/v2/portals');
  });

  it('a forged callback shows the state error and what to do, without exchanging anything', async () => {
    const before = server.count('POST', '/oauth/v2/token');
    const res = await new Browser(example.url).get('/callback?code=x&state=forged');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/state does not match.*Start the sign-in again/s);
    expect(server.count('POST', '/oauth/v2/token')).toBe(before);
  });
});
