/** The developer console, self clients and connected apps in Chromium, as a person uses them (issue 3). */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorizeUrl,
  obtainTokens,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import {
  describeInBrowser,
  expectNoProblems,
  fillSignIn,
  launchChromium,
  newPage,
  startAppServer,
} from '../helpers/browser.ts';

describeInBrowser('developer console in Chromium', () => {
  let server: TestServer;
  let chromium: Browser;
  let appServer: Awaited<ReturnType<typeof startAppServer>>;
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

  async function signedInConsole() {
    const user = await server.addUser();
    const opened = await newPage(chromium, { permissions: ['clipboard-read', 'clipboard-write'] });
    await opened.page.goto(`${server.url}/console`);
    await fillSignIn(opened.page, user.email, user.password);
    await opened.page.getByRole('heading', { name: 'Developer console' }).waitFor();
    return { user, ...opened };
  }

  async function createApp(
    page: Page,
    app: { name: string; type: string; uris?: string },
  ): Promise<{ clientId: string; clientSecret: string }> {
    await page.goto(`${server.url}/console`);
    await page.getByLabel('Client Type').selectOption(app.type);
    await page.getByLabel('Client Name').fill(app.name);
    await page.getByLabel('Client Domain').fill('https://myapp.example');
    await page.getByLabel('Authorized Redirect URIs').fill(app.uris ?? '');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#client-secret').waitFor();
    return {
      clientId: (await page.locator('#client-id').textContent()) ?? '',
      clientSecret: (await page.locator('#client-secret').textContent()) ?? '',
    };
  }

  const tokenWith = (clientId: string, clientSecret: string) =>
    postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: '1000.00000000000000000000000000000000.00000000000000000000000000000000',
      client_id: clientId,
      client_secret: clientSecret,
    });

  it('R9, R2: creates each client type, shows Client ID and Client Secret once with working copy buttons, then lists them', async () => {
    const { page, context, problems } = await signedInConsole();
    const types: [string, string][] = [
      ['server', 'https://myapp.example/cb'],
      ['client', 'https://spa.example/cb'],
      ['mobile', 'com.example.app:/cb'],
      ['self', ''],
    ];
    const created: string[] = [];
    for (const [type, uris] of types) {
      const { clientId, clientSecret } = await createApp(page, { name: `App ${type}`, type, uris });
      expect(clientId).toMatch(/^1000\.[A-Z0-9]{30}$/);
      // Public apps (RFC 6749 §2.1) have no secret: the page says so (issue 17).
      if (type === 'client' || type === 'mobile') expect(clientSecret).toMatch(/^None\. /);
      else expect(clientSecret).toMatch(/^[0-9a-f]{42}$/);
      expect(await page.getByRole('heading', { name: 'Client Secret' }).isVisible()).toBe(true);
      expect(await page.locator('#token-curl').textContent()).toContain(`client_id=${clientId}`);
      if (type !== 'self')
        expect(await page.locator('#authorization-url').textContent()).toContain(
          `client_id=${clientId}`,
        );
      created.push(clientId);
      if (type === 'server') {
        // Progressive enhancement: the script reveals the copy buttons and they copy the value.
        await page.locator('button[data-copy="client-secret"]').click();
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(clientSecret);
      }
      // Shown once: the app page never shows the secret again.
      await page.goto(`${server.url}/console/apps/${clientId}`);
      expect(await page.content()).not.toContain(clientSecret);
    }
    await page.goto(`${server.url}/console`);
    for (const [i, [type]] of types.entries()) {
      expect(await page.getByRole('link', { name: `App ${type}` }).getAttribute('href')).toBe(
        `/console/apps/${created[i] ?? ''}`,
      );
    }
    expectNoProblems(problems);
    await context.close();
  });

  it('R2: bad input shows its message beside the field, keeps what was typed, and creates nothing', async () => {
    const { page, context, user, problems } = await signedInConsole();
    await page.getByLabel('Client Name').fill('');
    await page.getByLabel('Client Domain').fill('https://kept.example');
    await page.getByLabel('Authorized Redirect URIs').fill('javascript:alert(1)');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#client-name-error').waitFor();
    expect(await page.locator('#client-name-error').textContent()).toBe('Client Name is required.');
    expect(await page.locator('#redirect-uris-error').textContent()).toContain('javascript:');
    expect(await page.getByLabel('Client Domain').inputValue()).toBe('https://kept.example');
    expect(await page.getByLabel('Authorized Redirect URIs').inputValue()).toBe(
      'javascript:alert(1)',
    );
    expect(await page.getByLabel('Client Name').getAttribute('aria-invalid')).toBe('true');
    expect(await server.store.listClients(user.zuid)).toEqual([]);
    expectNoProblems(problems);
    await context.close();
  });

  it('R2: edits an app, rotates its secret (the old one is rejected at the token endpoint), deletes it (its tokens are rejected)', async () => {
    const { page, context, problems } = await signedInConsole();
    const { clientId, clientSecret } = await createApp(page, {
      name: 'Lifecycle',
      type: 'server',
      uris: appServer.redirectUri,
    });
    await page.goto(`${server.url}/console/apps/${clientId}`);
    await page.getByLabel('Client Name').fill('Lifecycle <renamed>');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your changes were saved.').waitFor();
    expect(await page.locator('h1.app-name').textContent()).toBe('Lifecycle <renamed>');

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.locator('#client-secret').waitFor();
    const newSecret = (await page.locator('#client-secret').textContent()) ?? '';
    expect(newSecret).not.toBe(clientSecret);
    expect((await tokenWith(clientId, clientSecret)).body).toEqual({
      error: 'invalid_client_secret',
    });
    expect((await tokenWith(clientId, newSecret)).body).toEqual({ error: 'invalid_code' });

    // Someone grants the app and it holds tokens; deleting the app revokes them.
    const tokens = await obtainTokens(server, {
      clientId,
      clientSecret: newSecret,
      redirectUri: appServer.redirectUri,
      accessType: 'offline',
    });
    const refresh = tokens.body.refresh_token as string;
    await page.goto(`${server.url}/console/apps/${clientId}`);
    await page.getByRole('link', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: /Delete Lifecycle/ }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('The app was deleted').waitFor();
    expect(await page.getByRole('link', { name: 'Lifecycle <renamed>' }).count()).toBe(0);
    const info = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${tokens.body.access_token as string}` },
    });
    expect((await info.json()).error).toMatchObject({ code: 1003 });
    const refreshed = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: clientId,
      client_secret: newSecret,
    });
    expect(refreshed.body).toEqual({ error: 'invalid_client' });
    expectNoProblems(problems);
    await context.close();
  });

  it('R2: a self client generates a code (scopes with descriptions, 3 minutes by default), downloads self_client.json and exchanges it without redirect_uri', async () => {
    const { page, context, user, problems } = await signedInConsole();
    const { clientId, clientSecret } = await createApp(page, {
      name: 'Self <b>tool</b>',
      type: 'self',
    });
    await page.goto(`${server.url}/console/apps/${clientId}`);
    expect(await page.getByLabel('Time Duration').inputValue()).toBe('3');
    await page.getByLabel(/See your name, email address and user ID/).check();
    await page.getByLabel(/Read your SalesIQ portals/).check();
    await page.getByLabel('Description', { exact: true }).fill('nightly export');
    await page.getByLabel('Client Secret (optional)').fill(clientSecret);
    await page.getByRole('button', { name: 'Generate Code' }).click();
    await page.locator('#self-client-code').waitFor();
    const code = (await page.locator('#self-client-code').textContent()) ?? '';
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download self_client.json' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('self_client.json');
    const file = JSON.parse(await readFile((await download.path()) ?? '', 'utf8')) as Record<
      string,
      unknown
    >;
    expect(file).toMatchObject({
      client_id: clientId,
      client_secret: clientSecret,
      code,
      grant_type: 'authorization_code',
    });
    const minutesLeft = ((file.expiry_time as number) - server.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(2.5);
    expect(minutesLeft).toBeLessThanOrEqual(3);

    const tokens = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      client_id: clientId,
      client_secret: clientSecret,
      code,
    });
    expect(tokens.body.scope).toBe('AaaServer.profile.READ SalesIQ.portals.READ');
    const info = await fetch(`${server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${tokens.body.access_token as string}` },
    });
    expect((await info.json()).Email).toBe(user.email);
    expectNoProblems(problems);
    await context.close();
  });

  it('R9: connected apps lists a granted app with its scopes in plain words; Revoke makes its refresh token fail with invalid_code', async () => {
    const app = await server.addClient({
      name: 'Reporter <i>x</i>',
      redirectUris: [appServer.redirectUri],
    });
    const { page, context, user, problems } = await signedInConsole();
    await page.goto(
      server.url +
        authorizeUrl({
          ...app,
          accessType: 'offline',
          scope: 'AaaServer.profile.READ,SalesIQ.visitors.READ',
        }),
    );
    await Promise.all([
      page.waitForURL((u) => u.origin === appServer.origin),
      page.getByRole('button', { name: 'Accept' }).click(),
    ]);
    const code = new URL(page.url()).searchParams.get('code') ?? '';
    const tokens = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
    });
    const refresh = tokens.body.refresh_token as string;

    await page.goto(`${server.url}/account/connected-apps`);
    const card = page.locator('.connected-app', { hasText: 'Reporter <i>x</i>' });
    expect(await card.locator('ul.scopes').textContent()).toContain(
      'See your name, email address and user ID',
    );
    expect(await card.getByText('Granted').isVisible()).toBe(true);
    expect(await card.locator('.live-refresh-tokens').textContent()).toBe('1');
    await card.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('no longer has access to your account').waitFor();
    expect(await page.locator('.connected-app').count()).toBe(0);

    const refreshed = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(refreshed.body).toEqual({ error: 'invalid_code' });
    // The consent is forgotten: the next authorization asks again.
    await page.goto(server.url + authorizeUrl({ ...app, scope: 'AaaServer.profile.READ' }));
    await page.getByRole('button', { name: 'Accept' }).waitFor();
    expect(user.email).toBeDefined();
    expectNoProblems(problems);
    await context.close();
  });
});
