/**
 * `npm run screenshots`: renders the console, consent, connected-apps and emulator pages in Chromium at
 * desktop and phone widths into docs/screenshots/, so the README's pictures follow the code.
 * Runs a throwaway server on a temporary SQLite file.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { parseConfig } from '../src/core/config.ts';
import { ensureDemo } from '../src/cli/demo.ts';
import { hashPassword } from '../src/core/passwords.ts';
import { registerConfidentialClient } from '../src/core/registration.ts';
import { buildApp } from '../src/server/app.ts';
import { openStore } from '../src/store/open-store.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots');
const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

const dir = mkdtempSync(join(tmpdir(), 'tollgate-screens-'));
const store = await openStore(join(dir, 'tollgate.db'));
const app = await buildApp(
  parseConfig({ logLevel: 'silent', port: 0, throttle: false, emulator: true }),
  store,
);
const url = await app.listen({ port: 0, host: '127.0.0.1' });
app.tollgate.setListeningAddress(url);
const browser = await launchChromium();

try {
  mkdirSync(OUT, { recursive: true });
  const now = Date.now();
  // The demo app's callback gives the consent page somewhere to send the browser.
  app.tollgate.setDemo(await ensureDemo(store, ':memory:', url, now));
  const password = 'screenshots only';
  const created = await store.createUser(
    {
      email: 'ada@example.com',
      passwordHash: await hashPassword(password),
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada Lovelace',
    },
    now,
  );
  if (created.outcome !== 'created') throw new Error('ada@example.com exists in a fresh store');
  const { user } = created;
  const redirect = `${url}/demo/callback`;
  await registerConfidentialClient(
    store,
    {
      name: 'Weekly Chat Report',
      domain: 'https://reports.example.com',
      redirectUris: ['https://reports.example.com/oauth/callback'],
      type: 'server',
    },
    user.zuid,
    now,
  );
  await registerConfidentialClient(
    store,
    { name: 'Nightly export', domain: 'https://ada.example.com', redirectUris: [], type: 'self' },
    user.zuid,
    now,
  );
  const { client: helpdesk, clientSecret: helpdeskSecret } = await registerConfidentialClient(
    store,
    {
      name: 'Helpdesk Sync',
      domain: 'https://helpdesk.example.com',
      redirectUris: [redirect],
      type: 'server',
    },
    null,
    now,
  );

  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const shot = (file: string, p: Page = page) =>
      p.screenshot({ path: join(OUT, `${file}-${name}.png`), fullPage: true });

    await page.goto(`${url}/console`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Developer console' }).waitFor();
    await shot('console');

    const query = new URLSearchParams({
      response_type: 'code',
      client_id: helpdesk.clientId,
      redirect_uri: redirect,
      scope: 'AaaServer.profile.READ,SalesIQ.conversations.READ,SalesIQ.visitors.READ',
      access_type: 'offline',
      state: 's',
    });
    await page.goto(`${url}/oauth/v2/auth?${query.toString()}`);
    await page.getByRole('button', { name: 'Accept' }).waitFor();
    await shot('consent');
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL((u) => u.pathname === '/demo/callback');
    // The app exchanges its code, so the connected-apps page shows a live refresh token.
    const code = new URL(page.url()).searchParams.get('code') ?? '';
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: helpdesk.clientId,
      client_secret: helpdeskSecret,
      redirect_uri: redirect,
    });
    await fetch(`${url}/oauth/v2/token`, { method: 'POST', body: form });

    await page.goto(`${url}/account/connected-apps`);
    await shot('connected-apps');
    // The emulator's page, with the requests of this walk through in its log, one row open.
    await page.goto(`${url}/_emulator`);
    await page
      .locator('#requests > li', { hasText: 'POST /oauth/v2/token' })
      .first()
      .locator('summary')
      .click();
    await shot('emulator');
    // Forget the grant so the next width sees the consent page again.
    await store.removeConnectedApp(user.zuid, helpdesk.clientId);
    await context.close();
  }
  process.stdout.write(`Screenshots written to ${OUT}\n`);
} finally {
  await browser.close();
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
