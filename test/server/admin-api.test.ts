import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminKey } from '../../src/core/admin-keys.ts';
import { hashSecret } from '../../src/core/ids.ts';
import { storeKinds } from '../helpers/stores.ts';
import { postForm, startServer, type TestServer } from '../helpers/server.ts';

describe.each(storeKinds)('admin JSON API on $name', (kind) => {
  let server: TestServer;
  let key: string;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    auth: string | null = `Bearer ${key}`,
  ) => {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}/admin/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  };

  beforeAll(async () => {
    server = await startServer(kind, { throttle: false });
    key = (await createAdminKey(server.store, 'tests', server.now())).key;
  });
  afterAll(() => server.close());

  it('an admin key is stored only as its hash', async () => {
    const { key: another, adminKey } = await createAdminKey(
      server.store,
      'hash check',
      server.now(),
    );
    expect(another).toMatch(/^tgadmin_[A-Za-z0-9_-]{43}$/);
    expect(await server.store.useAdminKey(another, server.now())).toBeUndefined();
    expect((await server.store.useAdminKey(hashSecret(another), server.now()))?.id).toBe(
      adminKey.id,
    );
  });

  it('refuses requests without a valid admin key with 401 and WWW-Authenticate', async () => {
    for (const auth of [null, 'Bearer tgadmin_wrong', `Basic ${key}`, 'Bearer 1000.abc']) {
      const res = await call('GET', '/clients', undefined, auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    }
    expect((await call('GET', '/nothing-here', undefined, null)).status).toBe(401);
    expect((await call('GET', '/nothing-here')).status).toBe(404);
  });

  it('issue 17: a public app gets no client_secret; a mobile app without redirect URIs gets the loopback default', async () => {
    const mobile = await call('POST', '/clients', {
      name: 'Phone',
      domain: 'https://phone.example',
      redirect_uris: [],
      type: 'mobile',
    });
    expect(mobile.status).toBe(201);
    expect(mobile.body).not.toHaveProperty('client_secret');
    expect(mobile.body.redirect_uris).toEqual(['http://127.0.0.1/callback']);
    const spa = await call('POST', '/clients', {
      name: 'SPA',
      domain: 'https://spa.example',
      redirect_uris: ['https://spa.example/cb'],
      type: 'client',
    });
    expect(spa.status).toBe(201);
    expect(spa.body).not.toHaveProperty('client_secret');
    const rotate = await call('POST', `/clients/${String(mobile.body.client_id)}/rotate-secret`);
    expect(rotate.status).toBe(400);
    expect(rotate.body.problems).toEqual({
      type: 'A public app (client or mobile) has no secret to rotate: it uses PKCE.',
    });
    // The browser app has no secret to send: a client_secret it sends is refused.
    const tokens = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: '1000.nothing',
      client_id: String(spa.body.client_id),
      client_secret: 'guessed',
    });
    expect(tokens.body.error).toBe('invalid_client_secret'); // Zoho's name for it (zoho profile)
  });

  it('R2: creates, lists, reads, updates, rotates and deletes a client', async () => {
    const owner = await server.addUser();
    const created = await call('POST', '/clients', {
      name: 'Scripted',
      domain: 'https://s.example',
      redirect_uris: ['https://s.example/cb'],
      type: 'server',
      owner_email: owner.email,
    });
    expect(created.status).toBe(201);
    const clientId = created.body.client_id as string;
    expect(clientId).toMatch(/^1000\.[A-Z0-9]{30}$/);
    expect(created.body.client_secret).toMatch(/^[0-9a-f]{42}$/);
    expect(created.body.owner_zuid).toBe(owner.zuid);

    const listed = await call('GET', `/clients?owner_email=${encodeURIComponent(owner.email)}`);
    expect((listed.body.clients as { client_id: string }[]).map((c) => c.client_id)).toEqual([
      clientId,
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.client_secret as string);
    expect((await call('GET', `/clients/${clientId}`)).body).toMatchObject({
      name: 'Scripted',
      type: 'server',
      redirect_uris: ['https://s.example/cb'],
    });

    const patched = await call('PATCH', `/clients/${clientId}`, {
      name: 'Renamed',
      redirect_uris: ['https://s.example/a', 'https://s.example/b'],
    });
    expect(patched.body).toMatchObject({
      name: 'Renamed',
      domain: 'https://s.example',
      redirect_uris: ['https://s.example/a', 'https://s.example/b'],
    });
    const badPatch = await call('PATCH', `/clients/${clientId}`, {
      redirect_uris: ['javascript:alert(1)'],
    });
    expect(badPatch.status).toBe(400);
    expect((badPatch.body.problems as Record<string, string>).redirect_uris).toContain(
      'javascript',
    );

    const rotated = await call('POST', `/clients/${clientId}/rotate-secret`);
    expect(rotated.body.client_secret).not.toBe(created.body.client_secret);
    const oldSecret = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: '1000.x.y',
      client_id: clientId,
      client_secret: created.body.client_secret as string,
    });
    expect(oldSecret.body).toEqual({ error: 'invalid_client_secret' });

    expect((await call('DELETE', `/clients/${clientId}`)).body).toEqual({
      client_id: clientId,
      deleted: true,
    });
    expect((await call('GET', `/clients/${clientId}`)).status).toBe(404);
    expect((await call('DELETE', `/clients/${clientId}`)).status).toBe(404);
    expect((await call('POST', `/clients/${clientId}/rotate-secret`)).status).toBe(404);
  });

  it('R2: refuses bad input field by field and stores nothing', async () => {
    const before = (await server.store.listClients()).length;
    const res = await call('POST', '/clients', {
      name: '',
      domain: 'nope',
      redirect_uris: Array.from({ length: 21 }, (_, i) => `https://x.example/${i}`),
      type: 'server',
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.problems as object).sort()).toEqual([
      'domain',
      'name',
      'redirect_uris',
    ]);
    expect(
      (await call('POST', '/clients', { name: 'Self', domain: 'https://x.example', type: 'self' }))
        .body.problems,
    ).toEqual({ owner_email: 'A self client needs an owner_email.' });
    expect((await call('POST', '/clients', ['not', 'an', 'object'])).status).toBe(400);
    const malformed = await fetch(`${server.url}/admin/api/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBe('invalid_request');
    expect((await server.store.listClients()).length).toBe(before);
  });
});
