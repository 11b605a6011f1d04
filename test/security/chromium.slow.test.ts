/**
 * Attack tests where a browser is part of the attack, in Chromium: forged cross-site posts from
 * another site (RFC 9700 §4.7), framing (clickjacking, RFC 9700 §4.16; RFC 6819
 * §4.4.1.9, §5.2.2.6), Referer leaks (RFC 9700 §4.2.4) and markup in the consent page's DOM.
 * The attacker's site is http://localhost:PORT, another site than Tollgate's http://127.0.0.1:PORT.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { authorizeUrl, startServer, type TestServer } from '../helpers/server.ts';
import { describeInBrowser, fillSignIn, launchChromium, newPage } from '../helpers/browser.ts';
import { EVIL_SCOPE, evilScopesFile, PAYLOAD } from './attack-helpers.ts';

/** A loopback site serving whatever page the test sets, recording the headers of every request. */
async function startSite(): Promise<{
  server: Server;
  port: number;
  pages: Map<string, string>;
  seen: { path: string; headers: IncomingHttpHeaders }[];
}> {
  const pages = new Map<string, string>();
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    seen.push({ path, headers: request.headers });
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(pages.get(path) ?? '<!doctype html><title>site</title><p>landed</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, pages, seen };
}

const autoSubmit = (action: string, fields: Record<string, string>): string =>
  `<!doctype html><title>free prize</title><form id="f" method="post" action="${action}">${Object.entries(
    fields,
  )
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`)
    .join('')}</form><script>document.getElementById('f').submit()</script>`;

describeInBrowser('attack: in Chromium', () => {
  let server: TestServer;
  let chromium: Browser;
  let site: Awaited<ReturnType<typeof startSite>>;
  let scopes: ReturnType<typeof evilScopesFile>;
  let attackerOrigin: string;

  beforeAll(async () => {
    scopes = evilScopesFile();
    [server, chromium, site] = await Promise.all([
      startServer(storeKinds[0]!, { throttle: false, scopesFile: scopes.file }),
      launchChromium(),
      startSite(),
    ]);
    attackerOrigin = `http://localhost:${site.port}`;
  });
  afterAll(async () => {
    await chromium?.close();
    await new Promise((resolve) => site?.server.close(resolve));
    await server?.close();
    scopes?.cleanup();
  });

  /** A victim signed in to Tollgate in Chromium. */
  async function signedInVictim() {
    const user = await server.addUser();
    const opened = await newPage(chromium);
    await opened.page.goto(`${server.url}/login?return_to=%2Fconsole`);
    await fillSignIn(opened.page, user.email, user.password);
    await opened.page.waitForURL(`${server.url}/console`);
    return { user, ...opened };
  }

  /** Sends the victim to the attacker's page, which posts a form to Tollgate; returns Tollgate's answer. */
  async function forgedPost(
    page: Page,
    path: string,
    fields: Record<string, string>,
  ): Promise<number> {
    const name = `/attack-${Math.random().toString(36).slice(2)}`;
    site.pages.set(name, autoSubmit(`${server.url}${path}`, fields));
    const answer = page.waitForResponse(
      (r) => r.url() === `${server.url}${path}` && r.request().method() === 'POST',
    );
    await page.goto(`${attackerOrigin}${name}`);
    return (await answer).status();
  }

  it('a post from another site to the console creates no app (CSRF)', async () => {
    const { user, context, page } = await signedInVictim();
    const status = await forgedPost(page, '/console/apps', {
      name: 'Forged',
      domain: 'https://evil.example',
      redirect_uris: 'https://evil.example/cb',
      type: 'server',
    });
    expect(status).toBe(403);
    expect(await server.store.listClients(user.zuid)).toEqual([]);
    await context.close();
  });

  it('a post from another site to the consent form issues no code (CSRF)', async () => {
    const { context, page } = await signedInVictim();
    const app = await server.addClient({ redirectUris: [`${attackerOrigin}/callback`] });
    const request = new URL(
      authorizeUrl({ clientId: app.clientId, redirectUri: `${attackerOrigin}/callback` }),
      server.url,
    ).search.slice(1);
    const before = site.seen.length;
    const status = await forgedPost(page, '/oauth/v2/auth', { request, decision: 'accept' });
    expect(status).toBe(403);
    expect(site.seen.slice(before).some((s) => s.path === '/callback')).toBe(false);
    await context.close();
  });

  it('a post from another site to connected apps revokes nothing (CSRF)', async () => {
    const { user, context, page } = await signedInVictim();
    const app = await server.addClient();
    await server.store.recordConsent(
      user.zuid,
      app.clientId,
      ['AaaServer.profile.READ'],
      server.now(),
    );
    const status = await forgedPost(page, `/account/connected-apps/${app.clientId}/revoke`, {});
    expect(status).toBe(403);
    expect(await server.store.findConsent(user.zuid, app.clientId)).toBeDefined();
    await context.close();
  });

  it("a post from another site cannot sign the victim in to the attacker's account (login CSRF)", async () => {
    const attacker = await server.addUser();
    const { context, page } = await newPage(chromium);
    const status = await forgedPost(page, '/login', {
      email: attacker.email,
      password: attacker.password,
      return_to: '/console',
    });
    expect(status).toBe(403);
    expect((await context.cookies(server.url)).some((c) => c.name === 'tg_session')).toBe(false);
    await context.close();
  });

  it("Tollgate pages cannot be framed by another site (clickjacking); the test's own frame loads", async () => {
    const { user, context, page } = await signedInVictim();
    const app = await server.addClient();
    const consent = `${server.url}${authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri })}`;
    site.pages.set(
      '/framed-control',
      '<!doctype html><title>control</title><form><input name="password"></form>',
    );
    const frames = [
      `${server.url}/login`,
      consent,
      `${server.url}/console`,
      `${server.url}/account/connected-apps`,
      `${attackerOrigin}/framed-control`,
    ];
    site.pages.set(
      '/framer',
      `<!doctype html><title>framer</title>${frames.map((f) => `<iframe src="${f.replace(/&/g, '&amp;')}"></iframe>`).join('')}`,
    );
    await page.goto(`${attackerOrigin}/framer`, { waitUntil: 'load' });
    const loaded: string[] = [];
    for (const frame of page.mainFrame().childFrames()) {
      const content = await frame
        .evaluate(() => document.querySelector('form') !== null)
        .catch(() => false);
      if (content) loaded.push(frame.url());
    }
    expect(loaded).toEqual([`${attackerOrigin}/framed-control`]);
    expect(await server.store.findConsent(user.zuid, app.clientId)).toBeUndefined();
    await context.close();
  });

  it('no Referer leaves Tollgate with the authorization request or the code', async () => {
    const { context, page } = await signedInVictim();
    const callback = `http://127.0.0.1:${site.port}/callback`;
    const app = await server.addClient({ redirectUris: [callback] });
    const before = site.seen.length;
    await page.goto(
      `${server.url}${authorizeUrl({ clientId: app.clientId, redirectUri: callback, state: 'secret-state' })}`,
    );
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(`${callback}?**`);
    const landed = site.seen.slice(before).find((s) => s.path === '/callback');
    expect(landed).toBeDefined();
    expect(landed?.headers.referer).toBeUndefined();
    expect(await page.evaluate(() => document.referrer)).toBe('');
    await context.close();
  });

  it("markup in the app name, domain and an operator's scope description stays text in the consent page's DOM", async () => {
    const { context, page } = await signedInVictim();
    const app = await server.addClient({ name: PAYLOAD });
    await server.store.updateClient(app.clientId, {
      domain: `https://app.example.com/"><img src=x onerror=alert(3)>`,
    });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(
      `${server.url}${authorizeUrl({ clientId: app.clientId, redirectUri: app.redirectUri, scope: `${EVIL_SCOPE},AaaServer.profile.READ` })}`,
    );
    await page.getByRole('button', { name: 'Accept' }).waitFor();
    const dom = await page.evaluate(() => ({
      injected: document.querySelectorAll('img[src="x"], script:not([src])').length,
      name: document.querySelector('.app-name')?.textContent,
      domain: document.querySelector('.app-domain')?.textContent,
      scopes: document.querySelector('.scopes')?.textContent ?? '',
    }));
    expect(dom.injected).toBe(0);
    expect(dom.name).toBe(PAYLOAD);
    expect(dom.domain).toContain('"><img src=x');
    expect(dom.scopes).toContain(PAYLOAD);
    expect(dialogs).toEqual([]);
    await context.close();
  });
});
