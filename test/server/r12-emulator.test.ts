/**
 * SPEC R12.1-R12.3: the emulator's control API (clock, faults, request log) over HTTP, on both
 * stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorize,
  Browser,
  obtainTokens,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

async function call(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(path, server.url), {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The raw answer of a token request: status, the headers that matter and the exact bytes. */
async function rawToken(server: TestServer, form: Record<string, string>) {
  const res = await fetch(new URL('/oauth/v2/token', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    cache: res.headers.get('cache-control'),
    retryAfter: res.headers.get('retry-after'),
    bytes: await res.text(),
  };
}

describe.each(storeKinds)('R12 emulator controls on $name', (kind) => {
  let server: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { emulator: true, refreshMintLimit: 1 });
    off = await startServer(kind);
  });
  afterAll(async () => {
    await server.close();
    await off.close();
  });

  it('R12: with the emulator off, /_emulator/* is 404', async () => {
    for (const path of ['/_emulator/clock', '/_emulator/faults', '/_emulator/requests']) {
      expect((await fetch(new URL(path, off.url))).status).toBe(404);
    }
    const post = await fetch(new URL('/_emulator/clock', off.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"advance_seconds": 60}',
    });
    expect(post.status).toBe(404);
  });

  it('R12.1: GET, POST and DELETE /_emulator/clock move and reset the time', async () => {
    const before = await call(server, 'GET', '/_emulator/clock');
    expect(before.status).toBe(200);
    expect(before.body.offset_ms).toBe(0);
    expect(Math.abs((before.body.now as number) - Date.now())).toBeLessThan(5000);
    const moved = await call(server, 'POST', '/_emulator/clock', { advance_seconds: 3600 });
    expect(moved.status).toBe(200);
    expect(moved.body.offset_ms).toBe(3_600_000);
    const target = Date.UTC(2030, 0, 1);
    const set = await call(server, 'POST', '/_emulator/clock', { now: target });
    expect(Math.abs((set.body.now as number) - target)).toBeLessThan(5000);
    const reset = await call(server, 'DELETE', '/_emulator/clock');
    expect(reset.status).toBe(200);
    expect(reset.body.offset_ms).toBe(0);
  });

  it('R12.1: bad clock input is 400 naming the field, and the clock does not move', async () => {
    const cases: [unknown, string][] = [
      [{ advance_seconds: -5 }, 'advance_seconds'],
      [{ advance_seconds: 1e12 }, 'advance_seconds'],
      [{ advance_seconds: '60' }, 'advance_seconds'],
      [{ now: -1 }, 'now'],
      [{ now: 8.64e15 }, 'now'],
      [{ now: 1.5 }, 'now'],
      [{ speed: 2 }, 'speed'],
      [{}, 'body'],
      [{ advance_seconds: 1, now: Date.now() }, 'body'],
      [[1], 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await call(server, 'POST', '/_emulator/clock', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(Object.keys(res.body.problems as object)).toEqual([field]);
    }
    const malformed = await call(server, 'POST', '/_emulator/clock', '{"advance_seconds": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('invalid_request');
    expect((await call(server, 'GET', '/_emulator/clock')).body.offset_ms).toBe(0);
  });

  it('R12.1: a code expires when the emulated clock passes its lifetime', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const redirect = await authorize(new Browser(server.url), user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
    });
    await call(server, 'POST', '/_emulator/clock', { advance_seconds: 121 });
    try {
      const res = await postForm(server.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ error: 'invalid_code' });
    } finally {
      await call(server, 'DELETE', '/_emulator/clock');
    }
  });

  it('R12.1: an access token stops working when the clock passes an hour, and the throttle window follows the clock', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
    const access = tokens.body.access_token as string;
    const info = () =>
      fetch(new URL('/oauth/user/info', server.url), {
        headers: { authorization: `Zoho-oauthtoken ${access}` },
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect((await info()).Email).toBe(tokens.user.email);
    const refresh = {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token as string,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    };
    expect((await postForm(server.url, '/oauth/v2/token', refresh)).body.access_token).toBeTypeOf(
      'string',
    );
    expect((await postForm(server.url, '/oauth/v2/token', refresh)).body.error).toBe(
      'Access Denied',
    );
    await call(server, 'POST', '/_emulator/clock', { advance_seconds: 3601 });
    try {
      expect((await info()).error).toBeDefined();
      // The 10-minute window has passed on the emulated clock: the refresh grant works again.
      expect((await postForm(server.url, '/oauth/v2/token', refresh)).body.access_token).toBeTypeOf(
        'string',
      );
    } finally {
      await call(server, 'DELETE', '/_emulator/clock');
    }
  });

  it('R12.2: a throttle fault is byte-identical to a real throttle, and changes nothing in the store', async () => {
    const app = await server.addClient();
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline' });
    const refresh = {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token as string,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    };
    const added = await call(server, 'POST', '/_emulator/faults', {
      endpoint: 'token',
      when: { grant_type: 'refresh_token' },
      action: 'throttle',
    });
    expect(added.status).toBe(201);
    const faulted = await rawToken(server, refresh);
    // The fault was used up, and the store untouched: the mint limit (1) is still unspent.
    const first = await postForm(server.url, '/oauth/v2/token', refresh);
    expect(first.body.access_token).toBeTypeOf('string');
    const real = await rawToken(server, refresh);
    expect(real.bytes).toContain('Access Denied');
    expect(faulted).toEqual(real);
    const log = await call(server, 'GET', `/_emulator/requests?client_id=${app.clientId}`);
    const entries = log.body.requests as { fault_id: string | null; status: number }[];
    expect(entries.filter((e) => e.fault_id === added.body.id)).toHaveLength(1);
  });

  it('R12.2: a faulted code exchange leaves the code usable', async () => {
    const app = await server.addClient();
    const user = await server.addUser();
    const redirect = await authorize(new Browser(server.url), user, {
      clientId: app.clientId,
      redirectUri: app.redirectUri,
    });
    const form = {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
    };
    for (const action of ['invalid_code', 'invalid_client', 'server_error']) {
      await call(server, 'POST', '/_emulator/faults', {
        endpoint: 'token',
        when: { client_id: app.clientId },
        action,
      });
    }
    expect(await postForm(server.url, '/oauth/v2/token', form)).toMatchObject({
      status: 200,
      body: { error: 'invalid_code' },
    });
    expect(await postForm(server.url, '/oauth/v2/token', form)).toMatchObject({
      status: 200,
      body: { error: 'invalid_client' },
    });
    expect((await postForm(server.url, '/oauth/v2/token', form)).status).toBe(500);
    const ok = await postForm(server.url, '/oauth/v2/token', form);
    expect(ok.status).toBe(200);
    expect(ok.body.access_token).toBeTypeOf('string');
  });

  it('R12.2: delay, drop and respond; times and listing; removal', async () => {
    const delayed = await call(server, 'POST', '/_emulator/faults', {
      endpoint: 'userinfo',
      action: 'delay',
      delay_ms: 300,
    });
    const started = performance.now();
    const res = await fetch(new URL('/oauth/user/info', server.url));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(200); // served normally after the delay: the zoho refusal shape
    expect(((await res.json()) as { error: { code: string } }).error.code).toBeDefined();
    expect(
      ((await call(server, 'GET', '/_emulator/faults')).body.faults as { id: string }[]).map(
        (f) => f.id,
      ),
    ).not.toContain(delayed.body.id);

    await call(server, 'POST', '/_emulator/faults', { endpoint: 'introspect', action: 'drop' });
    await expect(
      fetch(new URL('/oauth/v2/introspect', server.url), { method: 'POST' }),
    ).rejects.toThrow();

    const respond = await call(server, 'POST', '/_emulator/faults', {
      endpoint: '*',
      action: 'respond',
      status: 418,
      body: { hello: 'teapot' },
      times: 2,
    });
    const listed = (await call(server, 'GET', '/_emulator/faults')).body.faults as {
      id: string;
      times: number;
    }[];
    expect(listed.find((f) => f.id === respond.body.id)?.times).toBe(2);
    const teapot = await fetch(new URL('/oauth/v2/revoke', server.url), { method: 'POST' });
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toEqual({ hello: 'teapot' });
    expect(
      ((await call(server, 'GET', '/_emulator/faults')).body.faults as { times: number }[])[0]
        ?.times,
    ).toBe(1);
    expect(
      (await call(server, 'DELETE', `/_emulator/faults/${String(respond.body.id)}`)).status,
    ).toBe(200);
    expect((await call(server, 'DELETE', '/_emulator/faults/f_nope')).status).toBe(404);
    await call(server, 'POST', '/_emulator/faults', { endpoint: 'api', action: 'server_error' });
    expect((await call(server, 'DELETE', '/_emulator/faults')).body).toEqual({ faults: [] });
    expect((await call(server, 'GET', '/_emulator/faults')).body).toEqual({ faults: [] });
  });

  it('R12.2: bad fault rules are 400 naming the field, and add nothing', async () => {
    const cases: [unknown, string][] = [
      [{ endpoint: 'tokens', action: 'throttle' }, 'endpoint'],
      [{ endpoint: 'token', action: 'explode' }, 'action'],
      [{ endpoint: 'token', action: 'throttle', probability: 1.5 }, 'probability'],
      [{ endpoint: 'token', action: 'throttle', probability: -0.1 }, 'probability'],
      [{ endpoint: 'token', action: 'throttle', times: 0 }, 'times'],
      [{ endpoint: 'token', action: 'delay', delay_ms: -1 }, 'delay_ms'],
      [{ endpoint: 'token', action: 'delay', delay_ms: 86_400_000 }, 'delay_ms'],
      [{ endpoint: 'token', action: 'delay' }, 'delay_ms'],
      [{ endpoint: 'token', action: 'respond' }, 'status'],
      [{ endpoint: 'token', action: 'respond', status: 700 }, 'status'],
      [{ endpoint: 'token', action: 'throttle', when: { scope: 'x' } }, 'when.scope'],
      [{ endpoint: 'token', action: 'throttle', colour: 'red' }, 'colour'],
      ['"token"', 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await call(server, 'POST', '/_emulator/faults', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(Object.keys(res.body.problems as object)).toEqual([field]);
    }
    expect((await call(server, 'GET', '/_emulator/faults')).body).toEqual({ faults: [] });
  });

  it('R12.3: the request log masks secrets and filters by endpoint and client', async () => {
    await call(server, 'DELETE', '/_emulator/requests');
    const app = await server.addClient();
    const tokens = await obtainTokens(server, { ...app, accessType: 'offline', state: 's1' });
    const all = (await call(server, 'GET', `/_emulator/requests?client_id=${app.clientId}`)).body
      .requests as Record<string, unknown>[];
    const exchange = all.find((e) => e.endpoint === 'token');
    expect(exchange).toMatchObject({
      method: 'POST',
      path: '/oauth/v2/token',
      client_id: app.clientId,
      status: 200,
      fault_id: null,
    });
    const params = exchange?.params as Record<string, string>;
    expect(params.client_secret).toBe(`${app.clientSecret.slice(0, 8)}…`);
    expect(params.code).toMatch(/^1000\.[0-9a-f]{3}…$/);
    const response = exchange?.response as Record<string, string>;
    expect(response.access_token).toBe(`${(tokens.body.access_token as string).slice(0, 8)}…`);
    expect(response.refresh_token).toBe(`${(tokens.body.refresh_token as string).slice(0, 8)}…`);
    const text = JSON.stringify(all);
    expect(text).not.toContain(app.clientSecret);
    expect(text).not.toContain(tokens.body.access_token as string);
    const authorizeEntries = all.filter((e) => e.endpoint === 'authorize');
    expect(authorizeEntries.length).toBeGreaterThan(0);
    const redirectEntry = authorizeEntries.find(
      (e) => typeof (e.response as { location?: string } | null)?.location === 'string',
    );
    expect((redirectEntry?.response as { location: string }).location).toMatch(
      /code=1000\.[0-9a-f]{3}%E2%80%A6/,
    );
    const onlyToken = (
      await call(server, 'GET', `/_emulator/requests?endpoint=token&client_id=${app.clientId}`)
    ).body.requests as unknown[];
    expect(onlyToken).toHaveLength(1);
    const limited = (await call(server, 'GET', '/_emulator/requests?limit=1')).body.requests as {
      id: number;
    }[];
    expect(limited).toHaveLength(1);
    expect(limited[0]?.id).toBe(all.at(-1)?.id);
    expect((await call(server, 'GET', '/_emulator/requests?limit=0')).status).toBe(400);
    expect(
      (await call(server, 'GET', '/_emulator/requests?limit=x')).body.problems as object,
    ).toHaveProperty('limit');
    expect((await call(server, 'DELETE', '/_emulator/requests')).body).toEqual({ requests: [] });
  });
});

describe.each(storeKinds)('R12 admin key on a non-loopback address ($name)', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { emulator: true, host: '0.0.0.0' });
  });
  afterAll(async () => server.close());

  it('R12: /_emulator/* needs the admin key when the server listens beyond loopback', async () => {
    expect((await call(server, 'GET', '/_emulator/clock')).status).toBe(401);
    expect(
      (await call(server, 'GET', '/_emulator/clock', undefined, { authorization: 'Bearer nope' }))
        .status,
    ).toBe(401);
    const { createAdminKey } = await import('../../src/core/admin-keys.ts');
    const { key } = await createAdminKey(server.store, 'test', Date.now());
    const ok = await call(server, 'GET', '/_emulator/clock', undefined, {
      authorization: `Bearer ${key}`,
    });
    expect(ok.status).toBe(200);
  });
});
