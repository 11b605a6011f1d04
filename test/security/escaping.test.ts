/**
 * Attack tests: every user-controlled string is escaped where a page shows it (OWASP XSS;
 * RFC 6819 §5.2.4.2: the consent page must show the person what the app really is). The strings come from app developers (name,
 * domain), the operator's scopes file (descriptions), people (emails, code descriptions) and
 * request parameters (state, return_to, paths, parameter names). Chromium checks the DOM of the
 * consent page in chromium.slow.test.ts.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  authorizeUrl,
  Browser,
  hiddenField,
  signIn,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import {
  DOMAIN_PAYLOAD,
  EVIL_SCOPE,
  evilScopesFile,
  PAYLOAD,
  signedInVictim,
} from './attack-helpers.ts';

/** No markup of the payload survives, and its escaped form is there. */
function expectEscaped(page: string, what: string): void {
  expect(page, what).not.toContain('<script>alert');
  expect(page, what).not.toMatch(/<img src=x/i);
  expect(page, what).not.toContain('"><img');
  expect(page, what).toMatch(/&lt;(script|img)/);
}

/** GET with a raw request target, as a hand-written client could send it (fetch would encode it). */
function rawGet(base: string, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(base), { method: 'GET', path: target }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(storeKinds)('attack: markup in user-controlled strings on $name', (kind) => {
  let server: TestServer;
  let scopes: { file: string; cleanup: () => void };
  let owner: Browser;
  let ownerUser: { email: string; password: string; zuid: number };
  let app: { clientId: string; clientSecret: string; redirectUri: string };
  let self: { clientId: string; clientSecret: string; redirectUri: string };
  const csrf = async (path = '/console'): Promise<string> =>
    hiddenField(await (await owner.get(path)).text(), '_csrf');

  beforeAll(async () => {
    scopes = evilScopesFile();
    server = await startServer(kind, { throttle: false, scopesFile: scopes.file });
    ({ browser: owner, user: ownerUser } = await signedInVictim(server));
    app = await server.addClient({ name: PAYLOAD, owner: ownerUser.zuid });
    await server.store.updateClient(app.clientId, { domain: DOMAIN_PAYLOAD });
    self = await server.addClient({ type: 'self', name: PAYLOAD, owner: ownerUser.zuid });
  });
  afterAll(async () => {
    await server.close();
    scopes.cleanup();
  });

  it("the consent page escapes the app name, the domain, an operator's scope description and the state", async () => {
    const res = await owner.get(
      authorizeUrl({
        clientId: app.clientId,
        redirectUri: app.redirectUri,
        scope: `${EVIL_SCOPE},AaaServer.profile.READ`,
        state: `"><script>alert(4)</script>`,
        prompt: 'consent',
      }),
    );
    expect(res.status).toBe(200);
    const page = await res.text();
    expectEscaped(page, 'consent');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(4)');
  });

  it('the connected apps page escapes the app name and the scope description', async () => {
    await authorize(owner, ownerUser, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      scope: EVIL_SCOPE,
    });
    expectEscaped(await (await owner.get('/account/connected-apps')).text(), 'connected apps');
  });

  it.each([
    ['the console list', () => '/console'],
    ['the app page', () => `/console/apps/${app.clientId}`],
    ['the delete confirmation', () => `/console/apps/${app.clientId}/delete`],
    ['the self client page (scope descriptions)', () => `/console/apps/${self.clientId}`],
  ])('%s escapes the app name and domain', async (what, path) => {
    const res = await owner.get(path());
    expect(res.status).toBe(200);
    expectEscaped(await res.text(), what);
  });

  it('the credentials page after Rotate secret escapes the app name', async () => {
    const res = await owner.post(`/console/apps/${app.clientId}/rotate-secret`, {
      _csrf: await csrf(`/console/apps/${app.clientId}`),
    });
    expect(res.status).toBe(200);
    expectEscaped(await res.text(), 'credentials');
  });

  it('the console form shown again after a mistake escapes what was typed', async () => {
    const res = await owner.post('/console/apps', {
      _csrf: await csrf(),
      name: PAYLOAD,
      domain: `not a url ${PAYLOAD}`,
      redirect_uris: `https://x.example/${PAYLOAD}`,
      type: 'server',
    });
    expect(res.status).toBe(400);
    expectEscaped(await res.text(), 'console form');
  });

  it('Generate Code shown again after a mistake escapes the description and an unknown scope name', async () => {
    const res = await owner.post(`/console/apps/${self.clientId}/code`, {
      _csrf: await csrf(`/console/apps/${self.clientId}`),
      scope: `<img src=x onerror=alert(5)>`,
      lifetime: '4',
      description: PAYLOAD,
    });
    expect(res.status).toBe(400);
    expectEscaped(await res.text(), 'code form');
  });

  it('the sign-in page escapes the echoed email and return_to', async () => {
    const res = await signIn(
      new Browser(server.url),
      `${PAYLOAD}@example.com`,
      'x',
      `/"><script>alert(6)</script>`,
    );
    expect(res.status).toBe(401);
    expectEscaped(await res.text(), 'sign-in');
    const page = await (
      await new Browser(server.url).get(
        `/login?return_to=${encodeURIComponent('/"><img src=x onerror=alert(7)>')}`,
      )
    ).text();
    expect(page).not.toMatch(/<img src=x/i);
  });

  it('error pages escape a reflected path and parameter name', async () => {
    const notFound = await rawGet(server.url, `/<script>alert(8)</script>`);
    expect(notFound.status).toBe(404);
    expect(notFound.body).not.toContain('<script>alert(8)');
    const dup = await rawGet(
      server.url,
      `/oauth/v2/auth?<img/src=x/onerror=alert(9)>=1&<img/src=x/onerror=alert(9)>=2`,
    );
    expect(dup.status).toBe(400);
    expect(dup.body).toContain('&lt;img/src');
    expect(dup.body).not.toMatch(/<img\/src/i);
  });
});
