/**
 * The device flow's verification page in Chromium (SPEC R13.2): a device (the test, over HTTP)
 * asks for a code and polls; the person opens the verification URL, signs in, types the code
 * into the field labelled Code (a wrong one first: the page says so), presses Continue,
 * accepts on the consent page, and the poller gets its tokens. Also with the code in the URL.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { pollZoho, requestDeviceCode } from '../helpers/device.ts';
import {
  describeInBrowser,
  expectNoProblems,
  fillSignIn,
  launchChromium,
  newPage,
} from '../helpers/browser.ts';

describeInBrowser('R13.2 device verification page in Chromium', () => {
  let server: TestServer;
  let chromium: Browser;
  beforeAll(async () => {
    [server, chromium] = await Promise.all([
      startServer(storeKinds[0]!, { throttle: false }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  it('R13.2: the person signs in, types the code (after a wrong one), presses Continue, accepts, and the poller gets tokens', async () => {
    const app = await server.addClient({ name: 'Living-room TV' });
    const user = await server.addUser();
    const started = (await requestDeviceCode(server, app)).body;
    const deviceCode = String(started.device_code);
    expect((await pollZoho(server, app, deviceCode)).body).toEqual({
      error: 'authorization_pending',
    });

    const { context, page, problems } = await newPage(chromium);
    await page.goto(String(started.verification_url));
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await fillSignIn(page, user.email, user.password);
    await page.getByLabel('Code').waitFor();
    await page.getByLabel('Code').fill('BBBB-BBBB');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('That code is not right');
    await page.getByLabel('Code').fill(String(started.user_code));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Accept' }).waitFor();
    expect(await page.locator('.app-name').textContent()).toBe('Living-room TV');
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByRole('heading', { name: 'Device connected' }).waitFor();
    expectNoProblems(problems);
    await context.close();

    server.advance(5_000);
    const tokens = await pollZoho(server, app, deviceCode);
    expect(tokens.status).toBe(200);
    expect(tokens.body.access_token).toMatch(/^1000\./);
    expect(tokens.body.refresh_token).toMatch(/^1000\./);
  });

  it('R13.2: with the code in the URL the Code field is skipped; Deny gives the poller access_denied', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const started = (await requestDeviceCode(server, app)).body;
    const { context, page, problems } = await newPage(chromium);
    await page.goto(String(started.verification_uri_complete));
    await fillSignIn(page, user.email, user.password);
    await page.getByRole('button', { name: 'Deny' }).waitFor();
    expect(await page.getByLabel('Code').count()).toBe(0);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Request denied' }).waitFor();
    expectNoProblems(problems);
    await context.close();
    expect((await pollZoho(server, app, String(started.device_code))).body).toEqual({
      error: 'access_denied',
    });
  });
});
