/**
 * Attack tests: cross-site request forgery on every form (RFC 9700 §4.7 for the consent form,
 * login CSRF, and the console and connected-apps forms likewise; OWASP CSRF).
 * A forged post comes in three shapes: no token, the attacker's own valid token, or the
 * victim's token without the CSRF cookie (what a cross-site post carries under SameSite=Strict).
 * Each is refused with 403 and changes nothing. Chromium repeats the real cross-site case in
 * chromium.slow.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import type { Browser } from '../helpers/server.ts';
import {
  authorize,
  authorizeUrl,
  hiddenField,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import { signedInVictim } from './attack-helpers.ts';

type Forgery = 'no token' | "the attacker's token" | 'no CSRF cookie';
const FORGERIES: Forgery[] = ['no token', "the attacker's token", 'no CSRF cookie'];

describe.each(storeKinds)('attack: cross-site posts on $name', (kind) => {
  let server: TestServer;
  let victim: Browser;
  let victimUser: { email: string; password: string; zuid: number };
  let attacker: Browser;
  let owned: { clientId: string; clientSecret: string; redirectUri: string };
  let self: { clientId: string; clientSecret: string; redirectUri: string };
  let connected: { clientId: string; clientSecret: string; redirectUri: string };
  let consentRequest: string;

  /** A valid token from a page of a browser's own session. */
  const tokenOf = async (browser: Browser, path = '/console'): Promise<string> =>
    hiddenField(await (await browser.get(path)).text(), '_csrf');

  beforeAll(async () => {
    server = await startServer(kind, { throttle: false });
    ({ browser: victim, user: victimUser } = await signedInVictim(server));
    ({ browser: attacker } = await signedInVictim(server));
    owned = await server.addClient({ owner: victimUser.zuid, name: 'Victim App' });
    self = await server.addClient({ type: 'self', owner: victimUser.zuid, name: 'Victim Self' });
    connected = await server.addClient({ name: 'Connected App' });
    await authorize(victim, victimUser, {
      clientId: connected.clientId,
      redirectUri: connected.redirectUri,
    });
    const attackerApp = await server.addClient({ name: 'Attacker App' });
    consentRequest = new URL(
      authorizeUrl({
        clientId: attackerApp.clientId,
        redirectUri: attackerApp.redirectUri,
        accessType: 'offline',
      }),
      server.url,
    ).search.slice(1);
  });
  afterAll(() => server.close());

  const FORMS: [string, () => string, () => Record<string, string>][] = [
    [
      'consent (Accept)',
      () => '/oauth/v2/auth',
      () => ({ request: consentRequest, decision: 'accept' }),
    ],
    [
      "sign-in (into the attacker's account)",
      () => '/login',
      () => ({ email: 'attacker@example.com', password: 'x', return_to: '/' }),
    ],
    ['sign-out', () => '/logout', () => ({})],
    [
      'console: Create',
      () => '/console/apps',
      () => ({
        name: 'Forged',
        domain: 'https://evil.example',
        redirect_uris: 'https://evil.example/cb',
        type: 'server',
      }),
    ],
    [
      'console: edit',
      () => `/console/apps/${owned.clientId}`,
      () => ({
        name: 'Forged',
        domain: 'https://evil.example',
        redirect_uris: 'https://evil.example/cb',
      }),
    ],
    ['console: Rotate secret', () => `/console/apps/${owned.clientId}/rotate-secret`, () => ({})],
    ['console: Delete', () => `/console/apps/${owned.clientId}/delete`, () => ({})],
    [
      'console: Generate Code',
      () => `/console/apps/${self.clientId}/code`,
      () => ({ scope: 'AaaServer.profile.READ', lifetime: '3', description: 'forged' }),
    ],
    [
      'connected apps: Revoke',
      () => `/account/connected-apps/${connected.clientId}/revoke`,
      () => ({}),
    ],
  ];

  const CASES = FORMS.flatMap(([name, path, body]) =>
    FORGERIES.map((forgery) => [name, forgery, path, body] as const),
  );

  it.each(CASES)(
    '%s with %s is refused with 403 and changes nothing',
    async (_name, forgery, path, body) => {
      const form = body();
      const headers: Record<string, string> = {};
      if (forgery === "the attacker's token") form._csrf = await tokenOf(attacker);
      if (forgery === 'no CSRF cookie') {
        form._csrf = await tokenOf(victim);
        headers.cookie = victim
          .cookieHeader()
          .split('; ')
          .filter((c) => !c.startsWith('tg_csrf='))
          .join('; ');
      }
      const res = await victim.post(path(), form, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('location')).toBeNull();
      const page = await res.text();
      expect(page).not.toContain('1000.');

      // Nothing changed: the session, the apps, the secret, the connection.
      expect((await victim.get('/console')).status).toBe(200);
      const apps = await server.store.listClients(victimUser.zuid);
      expect(apps.map((a) => a.name).sort()).toEqual(['Victim App', 'Victim Self']);
      const introspect = await postForm(server.url, '/oauth/v2/introspect', {
        token: 'x',
        client_id: owned.clientId,
        client_secret: owned.clientSecret,
      });
      expect(introspect.body).toEqual({ active: false });
      expect(await server.store.findConsent(victimUser.zuid, connected.clientId)).toBeDefined();
    },
  );

  it("control: the same forms with the victim's own token and cookie work (the test can tell)", async () => {
    const res = await victim.post('/console/apps', {
      _csrf: await tokenOf(victim),
      name: 'Real',
      domain: 'https://ok.example',
      redirect_uris: 'https://ok.example/cb',
      type: 'server',
    });
    expect(res.status).toBe(200);
    expect((await server.store.listClients(victimUser.zuid)).map((a) => a.name)).toContain('Real');
    const real = (await server.store.listClients(victimUser.zuid)).find((a) => a.name === 'Real');
    await server.store.deleteClient(real?.clientId ?? '');
  });
});
