/**
 * SPEC R0: the three wire profiles. The same requests, answered in each dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { obtainTokens, postForm, startServer, type TestServer } from '../helpers/server.ts';

const THROTTLE_BODY = {
  error: 'Access Denied',
  error_description:
    'You have made too many requests continuously. Please try again after some time.',
  status: 'failure',
};

describe.each(storeKinds)('R0 profiles on $name', (kind) => {
  const servers: Record<string, TestServer> = {};
  beforeAll(async () => {
    for (const profile of ['zoho', 'zoho-legacy', 'rfc'] as const)
      servers[profile] = await startServer(kind, { profile });
  });
  afterAll(async () => {
    for (const s of Object.values(servers)) await s.close();
  });
  const s = (p: string): TestServer => servers[p] as TestServer;

  it('R0: zoho sends expires_in in seconds only', async () => {
    const app = await s('zoho').addClient();
    const res = await obtainTokens(s('zoho'), app);
    expect(res.body.expires_in).toBe(3600);
    expect(res.body.expires_in_sec).toBeUndefined();
  });

  it('R0: zoho-legacy sends expires_in in milliseconds together with expires_in_sec', async () => {
    const app = await s('zoho-legacy').addClient();
    const res = await obtainTokens(s('zoho-legacy'), app);
    expect(res.body.expires_in).toBe(3600000);
    expect(res.body.expires_in_sec).toBe(3600);
  });

  it('R0: rfc sends expires_in in seconds', async () => {
    const app = await s('rfc').addClient();
    const res = await obtainTokens(s('rfc'), app);
    expect(res.body.expires_in).toBe(3600);
    expect(res.body.expires_in_sec).toBeUndefined();
  });

  it('R0: token errors are HTTP 200 {"error":"invalid_code"} in zoho profiles and HTTP 400 invalid_grant in rfc', async () => {
    for (const p of ['zoho', 'zoho-legacy']) {
      const app = await s(p).addClient();
      const res = await postForm(s(p).url, '/oauth/v2/token', {
        grant_type: 'refresh_token',
        refresh_token: 'nope',
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ error: 'invalid_code' });
    }
    const app = await s('rfc').addClient();
    const res = await postForm(s('rfc').url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: 'nope',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(typeof res.body.error_description).toBe('string');
  });

  it('R0: invalid_client is HTTP 200 in zoho and HTTP 401 in rfc (with WWW-Authenticate for Basic)', async () => {
    const z = await postForm(s('zoho').url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: '1000.NOPE',
      client_secret: 'x',
    });
    expect(z.status).toBe(200);
    expect(z.body).toEqual({ error: 'invalid_client' });
    const basic = Buffer.from('1000.NOPE:x').toString('base64');
    const r = await postForm(
      s('rfc').url,
      '/oauth/v2/token',
      { grant_type: 'refresh_token', refresh_token: 'x' },
      { authorization: `Basic ${basic}` },
    );
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('R0: invalid_redirect_uri in zoho maps to invalid_grant in rfc', async () => {
    for (const [p, want] of [
      ['zoho', 'invalid_redirect_uri'],
      ['rfc', 'invalid_grant'],
    ] as const) {
      const app = await s(p).addClient();
      const { mintCode } = await import('../../src/core/codes.ts');
      const user = await s(p).addUser();
      const { code } = await mintCode(s(p).store, {
        clientId: app.clientId,
        zuid: user.zuid,
        scopes: ['AaaServer.profile.READ'],
        redirectUri: app.redirectUri,
        offline: false,
        codeChallenge: null,
        codeChallengeMethod: null,
        state: null,
        lifetimeSeconds: 60,
        now: s(p).now(),
        throttle: null,
      });
      const res = await postForm(s(p).url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: 'https://evil.example.com/',
      });
      expect(res.body.error).toBe(want);
    }
  });

  it("R0: a throttled refresh is HTTP 200 with Zoho's exact body in zoho, HTTP 429 with Retry-After in rfc", async () => {
    for (const p of ['zoho', 'rfc']) {
      const app = await s(p).addClient();
      const tokens = await obtainTokens(s(p), { ...app, accessType: 'offline' });
      const form = {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token as string,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      };
      for (let i = 0; i < 10; i++)
        expect((await postForm(s(p).url, '/oauth/v2/token', form)).body.access_token).toBeDefined();
      const res = await postForm(s(p).url, '/oauth/v2/token', form);
      if (p === 'zoho') {
        expect(res.status).toBe(200);
        expect(res.body).toEqual(THROTTLE_BODY);
      } else {
        expect(res.status).toBe(429);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
  });

  it('R0: resource errors are HTTP 200 {"error":{"code","message"}} in zoho, 401 with WWW-Authenticate in rfc', async () => {
    const z = await fetch(`${s('zoho').url}/oauth/user/info`, {
      headers: {
        authorization:
          'Zoho-oauthtoken 1000.00000000000000000000000000000000.00000000000000000000000000000000',
      },
    });
    expect(z.status).toBe(200);
    const body = (await z.json()) as { error: { code: number; message: string } };
    expect(typeof body.error.code).toBe('number');
    expect(typeof body.error.message).toBe('string');
    const r = await fetch(`${s('rfc').url}/oauth/user/info`, {
      headers: {
        authorization:
          'Bearer 1000.00000000000000000000000000000000.00000000000000000000000000000000',
      },
    });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it('R0: a client record may override the server profile', async () => {
    const app = await s('zoho').addClient({ profile: 'zoho-legacy' });
    const res = await obtainTokens(s('zoho'), app);
    expect(res.body.expires_in).toBe(3600000);
    expect(res.body.expires_in_sec).toBe(3600);
  });
});
