/**
 * Issue 17, point 10, in Chromium on a phone-sized viewport (390x844): scope checkboxes are at
 * least 24x24 CSS pixels (WCAG 2.2 target size), the navigation links look like "Sign out",
 * and the page's icon loads.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  describeInBrowser,
  expectNoProblems,
  fillSignIn,
  launchChromium,
  newPage,
} from '../helpers/browser.ts';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

describeInBrowser('issue 17 point 10: pages on a phone in Chromium', () => {
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

  it('scope checkboxes measure at least 24x24 CSS px; nav links are styled like "Sign out"; the icon loads', async () => {
    const user = await server.addUser();
    const app = await server.addClient({ type: 'self', owner: user.zuid });
    const { page, context, problems } = await newPage(chromium, PHONE);
    await page.goto(`${server.url}/console/apps/${app.clientId}`);
    await fillSignIn(page, user.email, user.password);
    await page.getByRole('heading', { name: 'Generate Code' }).waitFor();

    const boxes = page.locator('input[type=checkbox][name=scope]');
    expect(await boxes.count()).toBeGreaterThan(3);
    const sizes = await boxes.evaluateAll((inputs) =>
      inputs.map((input) => {
        const { width, height } = input.getBoundingClientRect();
        return { width, height };
      }),
    );
    for (const size of sizes) {
      expect(size.width).toBeGreaterThanOrEqual(24);
      expect(size.height).toBeGreaterThanOrEqual(24);
    }

    const looks = await page.locator('header nav .nav-link').evaluateAll((elements) =>
      elements.map((element) => {
        const style = getComputedStyle(element);
        return {
          text: element.textContent?.trim().split(' ')[0],
          look: [
            style.color,
            style.fontFamily,
            style.fontSize,
            style.fontWeight,
            style.textDecorationLine,
            style.backgroundColor,
            style.borderTopWidth,
            style.paddingTop,
          ].join(' | '),
        };
      }),
    );
    expect(looks.map((l) => l.text)).toEqual(['Console', 'Connected', 'Activity', 'Sign']);
    expect(new Set(looks.map((l) => l.look)).size).toBe(1);
    // The accent colour, not the browser's default link or button colour.
    expect(looks[0]?.look.startsWith('rgb(31, 95, 209) | ')).toBe(true);

    const icon = await page.request.get(`${server.url}/favicon.ico`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/svg+xml');
    expectNoProblems(problems);
    await context.close();
  });
});
