/** The sign-in and consent pages in Chromium, as a person uses them (issue 2). */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { authorizeUrl, postForm, startServer, type TestServer } from '../helpers/server.ts';
import {
  describeInBrowser,
  expectNoProblems,
  fillSignIn,
  launchChromium,
  newPage,
  startAppServer,
} from '../helpers/browser.ts';

describeInBrowser('sign-in and consent in Chromium', () => {
  let server: TestServer;
  let chromium: Browser;
  let appServer: Awaited<ReturnType<typeof startAppServer>>;
  const atApp = (u: URL): boolean => u.origin === appServer.origin;
  const addApp = (name?: string) =>
    server.addClient({ name, redirectUris: [appServer.redirectUri] });
  beforeAll(async () => {
    [server, chromium, appServer] = await Promise.all([
      startServer(storeKinds[0]!, { throttle: false }),
      launchChromium(),
      startAppServer(),
    ]);
  });
  afterAll(async () => {
    await chromium?.close();
    await appServer?.close();
    await server?.close();
  });

  it('R9, R3.5: a person signs in, sees the app and its scopes in plain words, accepts, and the app gets code and state', async () => {
    const app = await addApp('Acme <Reports>');
    const user = await server.addUser();
    const { context, page, problems } = await newPage(chromium);
    await page.goto(
      server.url +
        authorizeUrl({
          ...app,
          scope: 'AaaServer.profile.READ,SalesIQ.chatdetails.READ',
          state: 'st-1',
        }),
    );
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await fillSignIn(page, user.email, user.password);
    await page.getByRole('button', { name: 'Accept' }).waitFor();
    expect(await page.locator('.app-name').textContent()).toBe('Acme <Reports>');
    expect(await page.locator('.app-domain').textContent()).toBe('https://app.example.com');
    expect(await page.locator('ul.scopes').textContent()).toContain(
      'See your name, email address and user ID',
    );
    await Promise.all([
      page.waitForURL(atApp),
      page.getByRole('button', { name: 'Accept' }).click(),
    ]);
    const url = new URL(page.url());
    expect(url.searchParams.get('code')).toMatch(/^1000\./);
    expect(url.searchParams.get('state')).toBe('st-1');
    expect(url.searchParams.get('accounts-server')).toBe(server.url);
    expectNoProblems(problems);
    await context.close();
  });

  it('R3.5: Deny sends error=access_denied with the state to the app', async () => {
    const app = await addApp();
    const user = await server.addUser();
    const { context, page, problems } = await newPage(chromium);
    await page.goto(server.url + authorizeUrl({ ...app, state: 'st-2' }));
    await fillSignIn(page, user.email, user.password);
    await Promise.all([page.waitForURL(atApp), page.getByRole('button', { name: 'Deny' }).click()]);
    const url = new URL(page.url());
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe('st-2');
    expect(url.searchParams.get('code')).toBeNull();
    expectNoProblems(problems);
    await context.close();
  });

  it('R3.4, R5.1: the second offline authorization skips consent and gets no refresh token; prompt=consent shows it and gets one', async () => {
    const app = await addApp();
    const user = await server.addUser();
    const { context, page, problems } = await newPage(chromium);
    const exchange = async (): Promise<Record<string, unknown>> => {
      const code = new URL(page.url()).searchParams.get('code') ?? '';
      return (
        await postForm(server.url, '/oauth/v2/token', {
          grant_type: 'authorization_code',
          code,
          client_id: app.clientId,
          client_secret: app.clientSecret,
          redirect_uri: app.redirectUri,
        })
      ).body;
    };

    await page.goto(server.url + authorizeUrl({ ...app, accessType: 'offline' }));
    await fillSignIn(page, user.email, user.password);
    await Promise.all([
      page.waitForURL(atApp),
      page.getByRole('button', { name: 'Accept' }).click(),
    ]);
    expect((await exchange()).refresh_token).toBeDefined();

    // Second time: straight back to the app, no consent page, no refresh token.
    await page.goto(server.url + authorizeUrl({ ...app, accessType: 'offline' }));
    await page.waitForURL(atApp);
    const second = await exchange();
    expect(second.access_token).toBeDefined();
    expect(second.refresh_token).toBeUndefined();

    // prompt=consent: the page is shown again, and accepting issues a refresh token.
    await page.goto(
      server.url + authorizeUrl({ ...app, accessType: 'offline', prompt: 'consent' }),
    );
    await page.getByRole('button', { name: 'Accept' }).waitFor();
    await Promise.all([
      page.waitForURL(atApp),
      page.getByRole('button', { name: 'Accept' }).click(),
    ]);
    expect((await exchange()).refresh_token).toBeDefined();
    expectNoProblems(problems);
    await context.close();
  });
});
