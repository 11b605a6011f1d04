import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium } from '../helpers/browser.ts';
import { finished, runCli, startCli, waitForOutput } from './helpers/cli.ts';
import { startCountingServer, WIRE_PROFILES } from './helpers/tollgate.ts';
import type { CountingServer } from './helpers/tollgate.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe.skipIf(!hasChromium)('the CLI with sign-in and consent in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  describe.each(WIRE_PROFILES)('against a Tollgate server speaking %s', (profile) => {
    let server: CountingServer;
    let dir: string;
    beforeAll(async () => {
      server = await startCountingServer({ profile, throttle: false, accessTokenTtl: 2 });
      dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
    });
    afterAll(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('login via the loopback redirect, token, refresh when expired, whoami, logout', async () => {
      const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
      const app = await server.addClient({ redirectUris: [redirectUri] });
      const user = await server.addUser();
      const tokenFile = join(dir, 'tokens.json');
      const common = ['--token-file', tokenFile, '--token-profile', 'work'];

      const login = startCli(
        [
          'login',
          '--accounts-url',
          server.url,
          '--client-id',
          app.clientId,
          '--scope',
          'AaaServer.profile.READ',
          '--offline',
          '--redirect-uri',
          redirectUri,
          '--no-open',
          ...common,
        ],
        { TOLLGATE_CLIENT_SECRET: app.clientSecret },
      );
      const loginDone = finished(login);
      const [authorizationUrl] = await waitForOutput(
        login.stderr,
        /http:\/\/\S+\/oauth\/v2\/auth\?\S+/,
      );
      const page = await browser.newPage();
      try {
        await page.goto(authorizationUrl);
        await page.getByLabel('Email').fill(user.email);
        await page.getByLabel('Password').fill(user.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('button', { name: 'Accept' }).click();
        await page.getByText('Signed in').waitFor();
      } finally {
        await page.close();
      }
      const loggedIn = await loginDone;
      expect(loggedIn.code, loggedIn.stderr).toBe(0);
      expect(loggedIn.stderr).toMatch(/Saved tokens to profile work .* with a refresh token/);

      const first = await runCli(['token', ...common]);
      expect(first.code, first.stderr).toBe(0);
      const token = first.stdout.trim();
      const info = await fetch(`${server.url}/oauth/user/info`, {
        headers: { authorization: `Zoho-oauthtoken ${token}` },
      });
      expect(await info.json()).toMatchObject({ Email: user.email });

      const whoami = await runCli(['whoami', ...common]);
      expect(whoami.stdout).toContain(user.email);

      await sleep(2100);
      const tokenCalls = server.count('POST', '/oauth/v2/token');
      const second = await runCli(['token', ...common]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout.trim()).not.toBe(token);
      expect(server.count('POST', '/oauth/v2/token') - tokenCalls).toBe(1);

      const logout = await runCli(['logout', ...common]);
      expect(logout.code, logout.stderr).toBe(0);
      const after = await fetch(`${server.url}/oauth/user/info`, {
        headers: { authorization: `Zoho-oauthtoken ${second.stdout.trim()}` },
      });
      const afterBody = (await after.json()) as { error?: unknown };
      expect(afterBody.error).toEqual(
        profile === 'rfc' ? 'invalid_token' : expect.objectContaining({ code: 1003 }),
      );
      expect(after.status).toBe(profile === 'rfc' ? 401 : 200);
      const gone = await runCli(['token', ...common]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/tollgate login/);
    }, 60_000);
  });
});
