/**
 * Chromium for page tests (playwright-core driving the system's /usr/bin/chromium). When
 * Chromium is missing the browser tests are skipped with a loud banner, unless
 * REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { CHROMIUM_PATH } from '../../scripts/chromium.ts';

export { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from '../../scripts/chromium.ts';

const available = existsSync(CHROMIUM_PATH);
if (!available) {
  if (process.env.REQUIRE_BROWSER === '1') {
    throw new Error(
      `REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH).`,
    );
  }
  console.warn(
    `\n*** No Chromium at ${CHROMIUM_PATH}: browser tests are SKIPPED (apt-get install -y chromium; CI sets REQUIRE_BROWSER=1). ***\n`,
  );
}

/** Whether Chromium is here (see the banner above). */
export const hasChromium = available;

/** `describe` when Chromium is here, `describe.skip` otherwise. */
export const describeInBrowser = available ? describe : describe.skip;

/** A fresh context (own cookies) whose pages fail the test on any CSP violation or script error. */
export async function newPage(
  browser: Browser,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text()))
      problems.push(m.text());
  });
  return { context, page, problems };
}

/** Signs in through the login page the browser is on (SPEC R9 labels). */
export async function fillSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * The app side of a redirect URI: a tiny loopback server (R2 allows http there) that answers
 * every request, so the browser has somewhere to land. Its callback is `${origin}/callback`.
 */
export async function startAppServer(): Promise<{
  origin: string;
  redirectUri: string;
  close: () => Promise<void>;
}> {
  const server = createServer((_request, response) => {
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>app</title><p>app callback</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    redirectUri: `${origin}/callback`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function expectNoProblems(problems: string[]): void {
  expect(problems).toEqual([]);
}
