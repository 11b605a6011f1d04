import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createClient, OAuthError, TollgateClientError } from '@tollgate/client';
import { sendJson, startFakeAccountsServer } from './helpers/fake-accounts-server.ts';
import type { FakeAccountsServer } from './helpers/fake-accounts-server.ts';

const THROTTLE_BODY = {
  error: 'Access Denied',
  error_description:
    'You have made too many requests continuously. Please try again after some time.',
  status: 'failure',
};

let server: FakeAccountsServer;
beforeEach(async () => {
  server = await startFakeAccountsServer();
});
afterEach(() => server.close());

function clientFor(extra: { timeoutMs?: number } = {}) {
  return createClient({
    accountsUrl: server.url,
    clientId: '1000.CLIENT',
    clientSecret: 'secret',
    redirectUri: 'http://127.0.0.1:9/callback',
    scopes: ['AaaServer.profile.READ'],
    throttle: { baseDelayMs: 20, maxRetries: 2, maxWaitMs: 1000 },
    ...extra,
  });
}

async function codeError(
  answer: (res: Parameters<Parameters<FakeAccountsServer['route']>[2]>[1]) => void,
): Promise<unknown> {
  server.route('POST', '/oauth/v2/token', (_req, res) => answer(res));
  return clientFor()
    .exchangeCode('code')
    .catch((error: unknown) => error);
}

describe('R0 error dialects at the token endpoint', () => {
  it('R0: zoho profiles: HTTP 200 with {"error":"invalid_code"} is an OAuthError with a hint', async () => {
    const error = await codeError((res) => sendJson(res, 200, { error: 'invalid_code' }));
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ error: 'invalid_code', status: 200, throttled: false });
    expect((error as OAuthError).hint).toMatch(/expired|already used/);
  });

  it('R0: rfc profile: HTTP 400 invalid_grant with its description', async () => {
    const error = await codeError((res) =>
      sendJson(res, 400, { error: 'invalid_grant', error_description: 'code expired' }),
    );
    expect(error).toMatchObject({
      error: 'invalid_grant',
      status: 400,
      description: 'code expired',
    });
  });

  it('invalid_client names the accounts server that was called and suggests another data centre', async () => {
    const error = await codeError((res) => sendJson(res, 401, { error: 'invalid_client' }));
    expect((error as OAuthError).hint).toContain(server.url);
    expect((error as OAuthError).hint).toMatch(/data centre/);
  });

  it('R5.5: Zoho throttle body is retried within the bound, then thrown with when to retry', async () => {
    const error = await codeError((res) => sendJson(res, 200, THROTTLE_BODY));
    expect(error).toMatchObject({ throttled: true, error: 'Access Denied' });
    expect((error as OAuthError).hint).toMatch(/retry/);
    expect(server.count('POST', '/oauth/v2/token')).toBe(3);
  });

  it('R5.5: rfc 429 waits Retry-After and succeeds when the server lets it', async () => {
    let calls = 0;
    server.route('POST', '/oauth/v2/token', (_req, res) => {
      calls += 1;
      if (calls === 1) sendJson(res, 429, { error: 'slow_down' }, { 'retry-after': '0' });
      else sendJson(res, 200, { access_token: 'a', token_type: 'Bearer', expires_in: 3600 });
    });
    const tokens = await clientFor().exchangeCode('code');
    expect(tokens.accessToken).toBe('a');
    expect(calls).toBe(2);
  });

  it('R5.5: a Retry-After beyond the wait bound is not waited for: one request, then the error', async () => {
    const error = await codeError((res) => sendJson(res, 429, {}, { 'retry-after': '600' }));
    expect(error).toMatchObject({ throttled: true, retryAfterSeconds: 600 });
    expect((error as OAuthError).hint).toMatch(/after 600 seconds/);
    expect(server.count('POST', '/oauth/v2/token')).toBe(1);
  });
});

describe('bad answers and bad networks', () => {
  it('an HTML page is a TollgateClientError quoting it, not a JSON SyntaxError', async () => {
    const error = await codeError((res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Login</body></html>'),
    );
    expect(error).toBeInstanceOf(TollgateClientError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as Error).message).toContain('<html>');
  });

  it('a refused connection is a network_error with what to check', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const client = createClient({
      accountsUrl: `http://127.0.0.1:${port}`,
      clientId: 'c',
      redirectUri: 'http://127.0.0.1:9/cb',
      scopes: [],
    });
    await expect(client.exchangeCode('code')).rejects.toMatchObject({ code: 'network_error' });
  });

  it('a server that never answers is a timeout', async () => {
    server.route('POST', '/oauth/v2/token', () => undefined);
    await expect(clientFor({ timeoutMs: 200 }).exchangeCode('code')).rejects.toMatchObject({
      code: 'timeout',
    });
  });
});
