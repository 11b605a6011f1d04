/** The home page walkthrough in Chromium: a newcomer follows the seed's steps live (issue 2). */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureDemo, type DemoCredentials } from '../../src/cli/demo.ts';
import { storeKinds } from '../helpers/stores.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  describeInBrowser,
  expectNoProblems,
  fillSignIn,
  launchChromium,
  newPage,
} from '../helpers/browser.ts';

describeInBrowser('home page walkthrough in Chromium', () => {
  let server: TestServer;
  let chromium: Browser;
  let demo: DemoCredentials;
  beforeAll(async () => {
    [server, chromium] = await Promise.all([
      startServer(storeKinds[0]!, { throttle: false }),
      launchChromium(),
    ]);
    demo = await ensureDemo(server.store, ':memory:', server.url, server.now());
    server.app.tollgate.setDemo(demo);
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  it('walks authorize, sign in, accept, code, exchange, user info, refresh and revoke, each with its real request and response', async () => {
    const { page, context, problems } = await newPage(chromium);
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'Start the authorization' }).click();
    await fillSignIn(page, demo.email, demo.password);
    expect(await page.locator('.app-name').textContent()).toBe('Tollgate Demo App');
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL((u) => u.pathname === '/demo/callback');
    const code = (await page.locator('#demo-code').textContent()) ?? '';
    expect(code).toMatch(/^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/);
    expect(page.url()).toContain(`code=${code}`);

    const step = async (
      button: string,
      id: string,
    ): Promise<{ request: string; response: string }> => {
      await page.getByRole('button', { name: button }).click();
      await page.locator(`#${id} .http-response`).waitFor();
      return {
        request: (await page.locator(`#${id} .http-request`).textContent()) ?? '',
        response: (await page.locator(`#${id} .http-response`).textContent()) ?? '',
      };
    };
    const exchange = await step('Exchange the code', 'step-exchange');
    expect(exchange.request).toContain('POST /oauth/v2/token HTTP/1.1');
    expect(exchange.request).toContain(`code=${code}`);
    expect(exchange.request).not.toContain(demo.clientSecret);
    expect(exchange.response).toMatch(/^HTTP\/1.1 200 OK/);
    expect(exchange.response).toMatch(/"access_token": "1000\.[0-9a-f]{4}…\*{6}"/);
    expect(exchange.response).toMatch(/"refresh_token": "1000\.[0-9a-f]{4}…\*{6}"/);

    const info = await step('Call user info', 'step-userinfo');
    expect(info.request).toMatch(/Authorization: Zoho-oauthtoken 1000\.[0-9a-f]{4}…/);
    expect(info.response).toContain(`"Email": "${demo.email}"`);

    const refresh = await step('Refresh the access token', 'step-refresh');
    expect(refresh.request).toContain('grant_type=refresh_token');
    expect(refresh.response).toContain('"access_token"');

    const revoke = await step('Revoke the refresh token', 'step-revoke');
    expect(revoke.request).toContain('POST /oauth/v2/token/revoke?token=');
    expect(revoke.response).toContain('"status": "success"');

    // The revoked refresh token took its access tokens with it.
    const after = await step('Call user info', 'step-userinfo');
    expect(after.response).toContain('"error"');
    expect(await page.content()).not.toContain(demo.clientSecret);
    expectNoProblems(problems);
    await context.close();
  });

  it('R3.5: Deny in the walkthrough shows that the app got error=access_denied and no code', async () => {
    const { page, context, problems } = await newPage(chromium);
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'Start the authorization' }).click();
    await fillSignIn(page, demo.email, demo.password);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((u) => u.pathname === '/demo/callback');
    expect(await page.locator('#step-code').textContent()).toContain('error=access_denied');
    expect(await page.getByRole('button', { name: 'Exchange the code' }).isDisabled()).toBe(true);
    expectNoProblems(problems);
    await context.close();
  });
});
