/**
 * R11.4: `startTollgate()` from `tollgate/testing`, imported by its published name (the compiled
 * package, as a user's suite gets it).
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTollgate, type TollgateHandle } from 'tollgate/testing';

const SCOPE = 'AaaServer.profile.READ';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function exchange(
  t: TollgateHandle,
  form: Record<string, string>,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${t.url}/oauth/v2/token`, {
    method: 'POST',
    body: new URLSearchParams(form),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('R11.4: startTollgate()', () => {
  let tollgate: TollgateHandle;
  beforeAll(async () => {
    tollgate = await startTollgate();
  });
  afterAll(() => tollgate.stop());

  it('listens on a free loopback port and answers', async () => {
    expect(tollgate.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const meta = (await (
      await fetch(`${tollgate.url}/.well-known/oauth-authorization-server`)
    ).json()) as { issuer: string };
    expect(meta.issuer).toBe(tollgate.url);
  });

  it('createUser, createClient and authorize give a code the app exchanges for tokens', async () => {
    const user = await tollgate.createUser({
      email: 'Ada@Example.com',
      password: 'pw-123456',
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
    expect(user).toMatchObject({ email: 'ada@example.com', password: 'pw-123456' });
    expect(user.zuid).toBeGreaterThan(0);
    const app = await tollgate.createClient({
      name: 'Sync',
      redirectUris: ['https://sync.example.com/cb'],
    });
    expect(app.clientId).toMatch(/^1000\.[A-Z0-9]{30}$/);
    expect(app.redirectUris).toEqual(['https://sync.example.com/cb']);
    const result = await tollgate.authorize({
      clientId: app.clientId,
      user,
      scope: SCOPE,
      accessType: 'offline',
      state: 'st',
    });
    if (!('code' in result)) throw new Error(result.error);
    expect(result).toMatchObject({ state: 'st', location: 'us', accountsServer: tollgate.url });
    expect(result.url.startsWith('https://sync.example.com/cb?')).toBe(true);
    const tokens = await exchange(tollgate, {
      grant_type: 'authorization_code',
      code: result.code,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: 'https://sync.example.com/cb',
    });
    expect(tokens.refresh_token).toMatch(/^1000\./);
    expect(tokens.scope).toBe(SCOPE);
  });

  it('authorize applies the real checks: an unregistered redirect URI is an error page, never a redirect (R3.2)', async () => {
    const user = await tollgate.createUser();
    const app = await tollgate.createClient();
    const result = await tollgate.authorize({
      clientId: app.clientId,
      user,
      scope: SCOPE,
      redirectUri: 'https://evil.example/cb',
    });
    expect(result).toEqual({
      error: 'invalid_request',
      errorDescription: 'The redirect_uri is not registered for this app.',
      url: undefined,
      status: 400,
    });
  });

  it('authorize applies the real checks: a public client without PKCE gets the error at its redirect URI', async () => {
    const user = await tollgate.createUser();
    const app = await tollgate.createClient({
      type: 'client',
      redirectUris: ['http://127.0.0.1:4000/cb'],
    });
    const result = await tollgate.authorize({
      clientId: app.clientId,
      user,
      scope: SCOPE,
      state: 'p',
    });
    expect(result).toMatchObject({ error: 'invalid_request', state: 'p' });
    expect(result.url?.startsWith('http://127.0.0.1:4000/cb?')).toBe(true);
  });

  it('authorize applies the real checks: PKCE S256 binds the code to the verifier', async () => {
    const user = await tollgate.createUser();
    const app = await tollgate.createClient({
      type: 'client',
      redirectUris: ['http://127.0.0.1:4000/cb'],
    });
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const result = await tollgate.authorize({
      clientId: app.clientId,
      user,
      scope: SCOPE,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    });
    if (!('code' in result)) throw new Error(result.error);
    const base = {
      grant_type: 'authorization_code',
      code: result.code,
      client_id: app.clientId,
      redirect_uri: 'http://127.0.0.1:4000/cb',
    };
    expect(await exchange(tollgate, { ...base, code_verifier: 'w'.repeat(50) })).toEqual({
      error: 'invalid_code',
    });
  });

  it('authorize remembers consent: a second offline authorization gets no refresh token unless prompt=consent (R3.4, R5.1)', async () => {
    const user = await tollgate.createUser();
    const app = await tollgate.createClient();
    const tokensFor = async (prompt?: string): Promise<Record<string, unknown>> => {
      const result = await tollgate.authorize({
        clientId: app.clientId,
        user,
        scope: SCOPE,
        accessType: 'offline',
        ...(prompt ? { prompt } : {}),
      });
      if (!('code' in result)) throw new Error(result.error);
      return exchange(tollgate, {
        grant_type: 'authorization_code',
        code: result.code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUris[0] ?? '',
      });
    };
    expect((await tokensFor()).refresh_token).toBeDefined();
    expect((await tokensFor()).refresh_token).toBeUndefined();
    expect((await tokensFor('consent')).refresh_token).toBeDefined();
  });

  it('the person can deny on the consent page', async () => {
    const user = await tollgate.createUser();
    const app = await tollgate.createClient();
    const result = await tollgate.authorize({
      clientId: app.clientId,
      user,
      scope: SCOPE,
      state: 'd',
      consent: 'deny',
    });
    expect(result).toMatchObject({ error: 'access_denied', state: 'd' });
  });

  it('a user may be named by email once the handle created it; a wrong password is a sign-in failure', async () => {
    const user = await tollgate.createUser({ email: 'named@example.com' });
    const app = await tollgate.createClient();
    const byEmail = await tollgate.authorize({
      clientId: app.clientId,
      user: 'named@example.com',
      scope: SCOPE,
    });
    expect('code' in byEmail).toBe(true);
    const other = await tollgate.createUser();
    const wrong = await tollgate.authorize({
      clientId: app.clientId,
      user: { ...other, password: 'not it' },
      scope: SCOPE,
    });
    expect(wrong).toMatchObject({
      error: 'sign_in_failed',
      errorDescription: 'The email or password is not right.',
      status: 401,
    });
    expect(user.email).toBe('named@example.com');
  });

  it('createUser refuses a taken email with a clear error', async () => {
    await tollgate.createUser({ email: 'twice@example.com' });
    await expect(tollgate.createUser({ email: 'twice@example.com' })).rejects.toThrow(
      'createUser(): twice@example.com is taken.',
    );
  });
});

describe('R11.4: handles are isolated, options are checked, stop is safe', () => {
  it('two handles in one process share nothing', async () => {
    const [a, b] = await Promise.all([startTollgate(), startTollgate({ profile: 'rfc' })]);
    try {
      expect(a.url).not.toBe(b.url);
      const user = await a.createUser({ email: 'only-a@example.com' });
      const app = await a.createClient();
      await b.createUser({ email: 'only-a@example.com' });
      const inB = await b.authorize({ clientId: app.clientId, user, scope: SCOPE });
      expect(inB).toMatchObject({ error: 'invalid_request', status: 400 });
      const res = await fetch(`${b.url}/oauth/v2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: 'x',
          client_id: app.clientId,
          client_secret: app.clientSecret,
        }),
      });
      expect(res.status).toBe(401);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it.each([
    [{ nope: 1 }, "startTollgate(): unknown option 'nope'."],
    [{ host: '0.0.0.0' }, "startTollgate(): unknown option 'host'."],
    [
      { profile: 'zoho-2' },
      'startTollgate(): option \'profile\': expected one of zoho, zoho-legacy, rfc (got "zoho-2").',
    ],
    [
      { port: -1 },
      "startTollgate(): option 'port' must be a whole number from 0 to 65535 (got -1).",
    ],
    [
      { port: 70000 },
      "startTollgate(): option 'port' must be a whole number from 0 to 65535 (got 70000).",
    ],
    [
      { accessTokenTtl: 0 },
      "startTollgate(): option 'accessTokenTtl': must be at least 1 (got 0).",
    ],
    [
      { throttle: 'sometimes' },
      'startTollgate(): option \'throttle\': expected true or false (got "sometimes").',
    ],
  ])('a bad option %j throws one error naming it', async (options, message) => {
    await expect(startTollgate(options as never)).rejects.toThrow(message);
  });

  it('a second stop() does nothing, and the port is free after the first', async () => {
    const t = await startTollgate();
    const port = Number(new URL(t.url).port);
    await t.stop();
    await expect(t.stop()).resolves.toBeUndefined();
    await expect(fetch(`${t.url}/health`)).rejects.toThrow();
    const again = await startTollgate({ port });
    await again.stop();
  });

  it('a port in use is a clear error, and nothing is left running (the process exits by itself)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const script = `import('tollgate/testing').then(({ startTollgate }) => startTollgate({ port: ${port} })).then(
        () => console.log('started'), (error) => console.log(error.message));`;
      // A timer, socket or database left open would keep this process alive past the timeout.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: ROOT, timeout: 10_000 },
      );
      expect(stdout.trim()).toBe(`startTollgate(): port ${port} on 127.0.0.1 is already in use.`);
    } finally {
      blocker.close();
    }
  });
});

describe('R11.4: the documented examples run', () => {
  it('examples/testing/node-test.mjs passes under plain `node --test`', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--test', 'examples/testing/node-test.mjs'],
      { cwd: ROOT, timeout: 60_000 },
    );
    expect(stdout).toMatch(/# pass 2\n/);
    expect(stdout).toMatch(/# fail 0\n/);
  });
});
