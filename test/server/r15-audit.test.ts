/**
 * SPEC R15.3: sign-ins, consents, client changes, revocations, removed apps and admin-key use
 * become audit rows and structured log lines, without secrets; the admin API reads them and a
 * person sees their own sign-ins and consents under /account/activity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminKey } from '../../src/core/admin-keys.ts';
import { emailHash } from '../../src/server/audit.ts';
import type { AuditEvent } from '../../src/store/types.ts';
import { answerOnPage, requestDeviceCode } from '../helpers/device.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  Browser,
  hiddenField,
  obtainTokens,
  postForm,
  signIn,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

describe.each(storeKinds)('R15.3 audit events on $name', (kind) => {
  let server: TestServer;
  let adminKey: string;
  let adminKeyId: string;
  const lines: string[] = [];

  beforeAll(async () => {
    server = await startServer(
      kind,
      { logLevel: 'info' },
      { logStream: { write: (line) => void lines.push(line) } },
    );
    const created = await createAdminKey(server.store, 'audit tests', server.now());
    adminKey = created.key;
    adminKeyId = created.adminKey.id;
  });
  afterAll(() => server.close());

  const eventsOf = (zuid: number, type: AuditEvent['type']) =>
    server.store.listAuditEvents({ zuid, types: [type], limit: 100 });
  const auditLines = () =>
    lines
      .map((l) => JSON.parse(l) as { msg: string; audit?: Record<string, unknown> })
      .filter((l) => l.msg === 'audit');
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/admin/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('R15.3: a sign-in and a failed sign-in are recorded, with a log line, and no password', async () => {
    const user = await server.addUser(undefined, 'a very secret password');
    expect((await signIn(new Browser(server.url), user.email, 'not the password')).status).toBe(
      401,
    );
    expect((await signIn(new Browser(server.url), user.email, user.password)).status).toBe(303);
    const events = await eventsOf(user.zuid, 'sign_in');
    expect(events.map((e) => [e.outcome, e.actor, e.detail])).toEqual([
      ['success', `user:${user.zuid}`, {}],
      ['failure', `user:${user.zuid}`, { reason: 'wrong_password' }],
    ]);
    expect(events[0]?.ip).toBe('127.0.0.1');
    const logged = auditLines().filter(
      (l) => l.audit?.type === 'sign_in' && l.audit.zuid === user.zuid,
    );
    expect(logged.map((l) => l.audit?.outcome)).toEqual(['failure', 'success']);
    expect(lines.join('\n')).not.toContain('a very secret password');
    expect(lines.join('\n')).not.toContain('not the password');
  });

  it('R15.3: a failed sign-in for an unknown email keeps a short hash of it, never the email', async () => {
    const email = `nobody-${Math.random().toString(36).slice(2)}@example.com`;
    expect((await signIn(new Browser(server.url), email, 'whatever pass')).status).toBe(401);
    const [event] = await server.store.listAuditEvents({ types: ['sign_in'], limit: 1 });
    expect(event).toMatchObject({
      type: 'sign_in',
      outcome: 'failure',
      zuid: null,
      actor: 'anonymous',
      detail: { reason: 'unknown_account', email_hash: emailHash(email) },
    });
    expect(emailHash(email)).toMatch(/^[0-9a-f]{16}$/);
    expect(lines.join('\n')).not.toContain(email);
  });

  it('R15.3: consents given and refused are recorded with the client and scopes', async () => {
    const app = await server.addClient({ name: 'Audit App' });
    const user = await server.addUser();
    const o = {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
      scope: 'AaaServer.profile.READ',
    };
    const denied = await authorize(new Browser(server.url), user, o, 'deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    const accepted = await authorize(new Browser(server.url), user, o);
    expect(accepted.searchParams.get('code')).toMatch(/.+/);
    const events = await eventsOf(user.zuid, 'consent');
    expect(events.map((e) => [e.outcome, e.clientId, e.detail])).toEqual([
      ['success', app.clientId, { decision: 'accept', scopes: 'AaaServer.profile.READ' }],
      ['failure', app.clientId, { decision: 'deny', scopes: 'AaaServer.profile.READ' }],
    ]);
  });

  it('R15.3: consents given on the device-flow page are recorded too', async () => {
    const app = await server.addClient({ name: 'Device App' });
    const user = await server.addUser();
    const started = (await requestDeviceCode(server, app)).body;
    const html = await answerOnPage(server.url, user, String(started.user_code));
    expect(html).toContain('Device App');
    const [event] = await eventsOf(user.zuid, 'consent');
    expect(event).toMatchObject({
      outcome: 'success',
      clientId: app.clientId,
      actor: `user:${user.zuid}`,
      detail: { decision: 'accept', scopes: 'AaaServer.profile.READ', flow: 'device' },
    });
  });

  it('R15.3: a revoked token and a removed app are recorded; the token is nowhere in them', async () => {
    const app = await server.addClient();
    const t = await obtainTokens(server, { ...app, accessType: 'offline' });
    const refresh = t.body.refresh_token as string;
    const revoked = await postForm(server.url, '/oauth/v2/revoke', {
      token: refresh,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(revoked.status).toBe(200);
    const [event] = await server.store.listAuditEvents({ types: ['token_revoked'], limit: 1 });
    expect(event).toMatchObject({
      type: 'token_revoked',
      outcome: 'success',
      clientId: app.clientId,
      actor: `client:${app.clientId}`,
      detail: { token_type: 'refresh_token' },
    });
    expect(JSON.stringify(event)).not.toContain(refresh);
    expect(lines.join('\n')).not.toContain(refresh);

    // Connected apps' Revoke (a signed-in person removing an app).
    const other = await server.addClient({ name: 'Removable' });
    const mine = await obtainTokens(server, other);
    const user = await server.store.findUserByEmail(mine.user.email);
    const page = await (await mine.browser.get('/account/connected-apps')).text();
    const removed = await mine.browser.post(`/account/connected-apps/${other.clientId}/revoke`, {
      _csrf: hiddenField(page, '_csrf'),
    });
    expect(removed.status).toBe(303);
    const [gone] = await eventsOf(user!.zuid, 'app_removed');
    expect(gone).toMatchObject({
      outcome: 'success',
      clientId: other.clientId,
      actor: `user:${user!.zuid}`,
    });
  });

  it('R15.3: clients created, rotated and deleted through the admin API name the admin key; each use of the key is recorded', async () => {
    const created = await admin('POST', '/clients', {
      name: 'Audited',
      domain: 'https://audited.example.com',
      redirect_uris: ['https://audited.example.com/cb'],
    });
    expect(created.status).toBe(201);
    const id = created.body.client_id as string;
    const rotated = await admin('POST', `/clients/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect((await admin('DELETE', `/clients/${id}`)).status).toBe(200);
    const events = (
      await server.store.listAuditEvents({
        types: ['client_created', 'client_rotated', 'client_deleted'],
        limit: 100,
      })
    ).filter((e) => e.clientId === id);
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['client_deleted', `admin-key:${adminKeyId}`],
      ['client_rotated', `admin-key:${adminKeyId}`],
      ['client_created', `admin-key:${adminKeyId}`],
    ]);
    const uses = await server.store.listAuditEvents({ types: ['admin_key_used'], limit: 3 });
    expect(uses.map((e) => [e.actor, e.detail])).toEqual([
      [`admin-key:${adminKeyId}`, { method: 'DELETE', route: '/admin/api/clients/:id' }],
      [
        `admin-key:${adminKeyId}`,
        { method: 'POST', route: '/admin/api/clients/:id/rotate-secret' },
      ],
      [`admin-key:${adminKeyId}`, { method: 'POST', route: '/admin/api/clients' }],
    ]);
    const secrets = [
      adminKey,
      created.body.client_secret as string,
      rotated.body.client_secret as string,
    ];
    const everything = JSON.stringify(await server.store.listAuditEvents({ limit: 1000 }));
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
      expect(lines.join('\n')).not.toContain(secret);
    }
  });

  it('R15.3: the admin API lists audit events newest first, filtered by type, person and time', async () => {
    const user = await server.addUser();
    await signIn(new Browser(server.url), user.email, user.password);
    const res = await admin('GET', `/audit-events?type=sign_in&zuid=${user.zuid}&since=1h`);
    expect(res.status).toBe(200);
    const events = res.body.audit_events as Record<string, unknown>[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'sign_in',
      outcome: 'success',
      zuid: user.zuid,
      actor: `user:${user.zuid}`,
      ip: '127.0.0.1',
      detail: {},
    });
    const at = Date.parse(String(events[0]?.at));
    expect(at).toBeLessThanOrEqual(server.now());
    expect(at).toBeGreaterThan(server.now() - 10_000);
    // An hour later, "since 1h" no longer includes it.
    server.advance(3600_000 + 1_000);
    const later = await admin('GET', `/audit-events?type=sign_in&zuid=${user.zuid}&since=1h`);
    expect(later.body.audit_events).toEqual([]);
  });

  it('R15.3: the admin API names each bad filter (400 invalid_request with problems)', async () => {
    const res = await admin('GET', '/audit-events?since=yesterday&type=sign_in,nope&limit=0');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(Object.keys(res.body.problems as object).sort()).toEqual(['limit', 'since', 'type']);
  });

  it("R15.3: /account/activity shows the person their own sign-ins and consents, not anyone else's", async () => {
    const app = await server.addClient({ name: 'Activity App' });
    const user = await server.addUser();
    const stranger = await server.addUser();
    await signIn(new Browser(server.url), stranger.email, stranger.password);
    expect((await signIn(new Browser(server.url), user.email, 'wrong wrong')).status).toBe(401);
    const browser = new Browser(server.url);
    await authorize(browser, user, { clientId: app.clientId, redirectUri: app.redirectUri });
    const res = await browser.get('/account/activity');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Account activity</h1>');
    expect(html).toContain('<h2 id="sign-ins">Sign-ins</h2>');
    expect(html).toContain('<h2 id="consents">Consents</h2>');
    expect(html.match(/<tr class="sign-in success">/g)).toHaveLength(1);
    expect(html.match(/<tr class="sign-in failure">/g)).toHaveLength(1);
    expect(html).toContain('<td>Failed: Wrong password</td>');
    expect(html).toContain('<td>Signed in</td>');
    expect(html).toContain('<td>127.0.0.1</td>');
    expect(html.match(/<tr class="consent success">/g)).toHaveLength(1);
    expect(html).toContain('<td>Activity App</td>');
    expect(html).toContain('<td>Allowed</td>');
    expect(html).toContain('<td>AaaServer.profile.READ</td>');
    expect(html).toContain('<a class="nav-link" href="/account/activity">Activity</a>');
  });

  it('R15.3: /account/activity without a session sends the person to sign in', async () => {
    const res = await fetch(`${server.url}/account/activity`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?return_to=%2Faccount%2Factivity');
  });
});
