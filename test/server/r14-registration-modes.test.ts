/**
 * SPEC R14.3: the registration modes (`--registration token`, the default `off`) and the
 * per-address registration throttle, over HTTP on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken } from '../../src/core/dynamic-registration.ts';
import { storeKinds } from '../helpers/stores.ts';
import { call, NATIVE_APP, register, WEB_APP } from '../helpers/registration.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe.each(storeKinds)('R14.3 registration modes on $name', (kind) => {
  describe('--registration token', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(kind, { profile: 'rfc', throttle: false, registration: 'token' });
    });
    afterAll(() => server.close());

    it('R14.3: registration needs a live initial access token: missing, wrong or expired is 401 invalid_token; a good one registers', async () => {
      const { token } = await createRegistrationToken(server.store, {
        label: 'test',
        now: server.now(),
        lifetimeSeconds: 3600,
      });
      expect(token).toMatch(/^tginit_[A-Za-z0-9_-]{43}$/);
      const missing = await register(server, WEB_APP);
      expect(missing.status).toBe(401);
      expect(missing.body.error).toBe('invalid_token');
      const wrong = await register(server, WEB_APP, `${token}x`);
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_token');
      const ok = await register(server, WEB_APP, token);
      expect(ok.status).toBe(201);
      const again = await register(server, NATIVE_APP, token);
      expect(again.status).toBe(201);
      server.advance(3601_000);
      const expired = await register(server, WEB_APP, token);
      expect(expired.status).toBe(401);
      expect(expired.body.error).toBe('invalid_token');
    });
  });

  describe('--registration-limit', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(kind, {
        profile: 'rfc',
        registration: 'open',
        registrationLimit: 3,
      });
    });
    afterAll(() => server.close());

    it('R14.3: registrations per address are throttled: past the limit 429 slow_down with Retry-After until the window ends', async () => {
      for (let i = 0; i < 3; i++) expect((await register(server, WEB_APP)).status).toBe(201);
      const refused = await register(server, WEB_APP);
      expect(refused.status).toBe(429);
      expect(refused.body.error).toBe('slow_down');
      expect(refused.headers.get('retry-after')).toBe('600');
      const bad = await register(server, { redirect_uris: [] });
      expect(bad.status).toBe(429);
      expect((await server.store.listClients()).length).toBe(3);
      server.advance(600_000);
      expect((await register(server, WEB_APP)).status).toBe(201);
    });
  });

  describe('--registration off (the default)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(kind, { profile: 'rfc', throttle: false });
    });
    afterAll(() => server.close());

    it('R14.3: with registration off the endpoint does not exist (404) and the metadata names none', async () => {
      const res = await register(server, WEB_APP);
      expect(res.status).toBe(404);
      const meta = await call(server, 'GET', '/.well-known/oauth-authorization-server');
      expect(meta.body.registration_endpoint).toBeUndefined();
      expect(await server.store.listClients()).toEqual([]);
    });
  });
});
