/** The /_emulator page in Chromium (SPEC R12.3): live log, filters, expandable rows, clock, faults. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';
import {
  describeInBrowser,
  expectNoProblems,
  launchChromium,
  newPage,
} from '../helpers/browser.ts';

describeInBrowser('the emulator page in Chromium', () => {
  let tollgate: TollgateHandle;
  let chromium: Browser;
  beforeAll(async () => {
    [tollgate, chromium] = await Promise.all([startTollgate(), launchChromium()]);
  });
  afterAll(async () => {
    await chromium?.close();
    await tollgate?.stop();
  });

  it('R12.3: shows requests live, newest first, filters them, expands a row, moves the clock and manages faults', async () => {
    const { page, context, problems } = await newPage(chromium);
    await page.goto(`${tollgate.url}/_emulator`);
    await expect.poll(() => page.locator('#clock-offset').textContent()).toBe('(real time)');

    await page.getByRole('button', { name: '+1 hour' }).click();
    await expect
      .poll(() => page.locator('#clock-offset').textContent())
      .toBe('(3600 s ahead of real time)');
    expect(tollgate.clock.offsetMs()).toBe(3_600_000);
    await page.getByRole('button', { name: 'Reset' }).click();
    await expect.poll(() => page.locator('#clock-offset').textContent()).toBe('(real time)');

    await page.getByLabel('Preset').selectOption({ label: 'Throttle the next token request' });
    await page.getByRole('button', { name: 'Add fault' }).click();
    await expect.poll(() => page.locator('#faults li').count()).toBe(1);
    expect(await page.locator('#faults li').textContent()).toContain('throttle on token, 1 left');

    const app = await tollgate.createClient();
    const post = (form: Record<string, string>) =>
      fetch(`${tollgate.url}/oauth/v2/token`, { method: 'POST', body: new URLSearchParams(form) });
    await post({
      grant_type: 'refresh_token',
      refresh_token: '1000.nope',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    await fetch(`${tollgate.url}/oauth/user/info`);

    // Live: both rows appear without a reload, the newest (user info) first.
    await expect.poll(() => page.locator('#requests > li').count()).toBe(2);
    expect(await page.locator('#requests > li summary').first().textContent()).toContain(
      'GET /oauth/user/info',
    );
    const tokenRow = page.locator('#requests > li', { hasText: 'POST /oauth/v2/token' });
    expect(await tokenRow.locator('summary').textContent()).toMatch(/fault f_/);
    expect(await page.locator('#faults li').count()).toBe(0);

    await tokenRow.locator('summary').click();
    const sent = (await tokenRow.locator('.http-request').textContent()) ?? '';
    expect(sent).toContain(`"client_secret": "${app.clientSecret.slice(0, 8)}…"`);
    expect(sent).not.toContain(app.clientSecret);
    expect(await tokenRow.locator('.http-response').textContent()).toContain('Access Denied');

    await page.getByLabel('Endpoint').selectOption('userinfo');
    await expect.poll(() => page.locator('#requests > li').count()).toBe(1);
    await page.getByLabel('Endpoint').selectOption('');
    await page.getByLabel('Client ID').fill(app.clientId);
    await expect.poll(() => page.locator('#requests > li').count()).toBe(1);
    expect(await page.locator('#requests > li summary').textContent()).toContain('/oauth/v2/token');

    expectNoProblems(problems);
    await context.close();
  });
});
