/**
 * SPEC R8 (with R0, R6.2 and R7): every endpoint of the SalesIQ-style API over HTTP, in the zoho
 * and rfc profiles, against each store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCREEN_NAME, ensureDemoPortal } from '../../src/api/demo-portal.ts';
import { salesIqStoreFor } from '../../src/store/open-store.ts';
import { storeKinds } from '../helpers/stores.ts';
import { postForm, startServer, type TestServer } from '../helpers/server.ts';
import { call, expectRefusal, tokenMinter } from './helpers.ts';

interface Endpoint {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  scope: string;
  object: string;
  body?: () => string;
  check: (data: unknown) => void;
}

let portalCounter = 0;
const S = `/api/v2/${DEMO_SCREEN_NAME}`;
const isList = (min: number) => (data: unknown) => {
  expect(Array.isArray(data)).toBe(true);
  expect((data as unknown[]).length).toBeGreaterThanOrEqual(min);
};

// The demo portal's first conversation has id 1 on a fresh database.
const ENDPOINTS: Endpoint[] = [
  {
    name: 'list portals',
    method: 'GET',
    path: '/api/v2/portals',
    scope: 'SalesIQ.portals.READ',
    object: 'list',
    check: isList(1),
  },
  {
    name: 'create a portal',
    method: 'POST',
    path: '/api/v2/portals',
    scope: 'SalesIQ.portals.CREATE',
    object: 'portal',
    body: () => JSON.stringify({ name: 'Acme', screenname: `acme${++portalCounter}` }),
    check: (data) =>
      expect(data).toMatchObject({ name: 'Acme', screenname: `acme${portalCounter}` }),
  },
  {
    name: 'operators',
    method: 'GET',
    path: `${S}/operators`,
    scope: 'SalesIQ.operators.READ',
    object: 'list',
    check: isList(4),
  },
  {
    name: 'departments',
    method: 'GET',
    path: `${S}/departments`,
    scope: 'SalesIQ.departments.READ',
    object: 'list',
    check: isList(2),
  },
  {
    name: 'conversations',
    method: 'GET',
    path: `${S}/conversations`,
    scope: 'SalesIQ.conversations.READ',
    object: 'list',
    check: isList(12),
  },
  {
    name: 'a conversation',
    method: 'GET',
    path: `${S}/conversations/1`,
    scope: 'SalesIQ.conversations.READ',
    object: 'conversation',
    check: (data) =>
      expect(data).toMatchObject({ id: '1', reference_id: '1', question: 'Do you ship to Ghana?' }),
  },
  {
    name: "a conversation's messages",
    method: 'GET',
    path: `${S}/conversations/1/messages`,
    scope: 'SalesIQ.chatdetails.READ',
    object: 'list',
    check: isList(2),
  },
  {
    name: 'visitors',
    method: 'GET',
    path: `${S}/visitors`,
    scope: 'SalesIQ.visitors.READ',
    object: 'list',
    check: isList(6),
  },
];

const allOf = (scope: string): string => scope.replace(/\.[A-Z]+$/, '.ALL');

describe.each(storeKinds)('SPEC R8 API on $name', (kind) => {
  describe.each(['zoho', 'rfc'] as const)('profile %s', (profile) => {
    let server: TestServer;
    let other: TestServer;
    let mint: (scope: string) => Promise<string>;
    let mintStranger: (scope: string) => Promise<string>;
    let mintForeign: (scope: string) => Promise<string>;

    beforeAll(async () => {
      server = await startServer(kind, { profile, throttle: false });
      other = await startServer(kind, { profile, throttle: false });
      const user = await server.addUser();
      expect(
        await ensureDemoPortal(salesIqStoreFor(server.store), user, server.now()),
      ).toBeDefined();
      mint = await tokenMinter(server, user.zuid);
      mintStranger = await tokenMinter(server, (await server.addUser()).zuid);
      mintForeign = await tokenMinter(other, (await other.addUser()).zuid);
    });
    afterAll(async () => {
      await server.close();
      await other.close();
    });

    const request = (e: Endpoint, init: { token?: string; header?: string }) =>
      call(server.url, e.path, {
        ...init,
        method: e.method,
        ...(e.body ? { body: e.body() } : {}),
      });

    describe.each(ENDPOINTS)('$method $path ($name)', (e) => {
      it('R8: the right scope gets the data in the envelope {url, object, data}', async () => {
        const res = await request(e, { token: await mint(e.scope) });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ url: e.path, object: e.object });
        e.check(res.body.data);
      });

      it('R7: the ALL scope of the resource gets the data', async () => {
        const res = await request(e, { token: await mint(allOf(e.scope)) });
        expect(res.status).toBe(200);
        e.check(res.body.data);
      });

      it('R7: a token without the scope is refused with insufficient_scope naming it', async () => {
        const res = await request(e, {
          token: await mint('AaaServer.profile.READ,SalesIQ.webhooks.ALL'),
        });
        expectRefusal(res, profile, 'insufficient_scope', e.scope);
      });

      it('R6: an expired token is invalid_token', async () => {
        const token = await mint(e.scope);
        server.advance(3_601_000);
        try {
          expectRefusal(await request(e, { token }), profile, 'invalid_token');
        } finally {
          server.advance(-3_601_000);
        }
      });

      it('R6.3: a revoked token is refused at once (local mode)', async () => {
        const token = await mint(e.scope);
        expect((await request(e, { token })).status).toBe(200);
        expect(
          (await postForm(server.url, `/oauth/v2/token/revoke?token=${token}`, {})).body,
        ).toEqual({ status: 'success' });
        expectRefusal(await request(e, { token }), profile, 'invalid_token');
      });

      it('R6: malformed tokens and headers are refused', async () => {
        expectRefusal(
          await request(e, { header: 'Zoho-oauthtoken not-a-token' }),
          profile,
          'invalid_token',
        );
        expectRefusal(
          await request(e, { header: `Zoho-oauthtoken 1000.${'0'.repeat(32)}.${'0'.repeat(32)}` }),
          profile,
          'invalid_token',
        );
        const none = await request(e, {});
        if (profile === 'rfc') {
          // RFC 6750 §3.1: a request without any authentication gets a bare challenge, no error code.
          expect(none.status).toBe(401);
          expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tollgate"');
        } else expectRefusal(none, profile, 'invalid_token');
        expectRefusal(
          await request(e, { header: `Basic ${Buffer.from('a:b').toString('base64')}` }),
          profile,
          'invalid_request',
        );
      });

      it("R6: a token of another Tollgate's client is invalid_token", async () => {
        expectRefusal(
          await request(e, { token: await mintForeign(e.scope) }),
          profile,
          'invalid_token',
        );
      });

      it('R6: Bearer works like Zoho-oauthtoken', async () => {
        const res = await request(e, { header: `Bearer ${await mint(e.scope)}` });
        expect(res.status).toBe(200);
      });

      it('R6.2: a token in the query string is never accepted', async () => {
        const token = await mint(e.scope);
        const res = await call(server.url, `${e.path}?access_token=${token}`, {
          method: e.method,
          ...(e.body ? { body: e.body() } : {}),
        });
        expectRefusal(res, profile, 'invalid_request');
      });
    });

    describe('membership and bad input', () => {
      it("R8: another user's token sees no demo portal, and gets not-found for it", async () => {
        const token = await mintStranger(
          'SalesIQ.portals.ALL,SalesIQ.operators.ALL,SalesIQ.conversations.ALL,SalesIQ.chatdetails.ALL',
        );
        const list = await call(server.url, '/api/v2/portals', { token });
        expect(list.body.data).toEqual([]);
        expectRefusal(
          await call(server.url, `${S}/operators`, { token }),
          profile,
          'invalid_portal',
        );
        expectRefusal(
          await call(server.url, `${S}/conversations/1`, { token }),
          profile,
          'invalid_portal',
        );
        expectRefusal(
          await call(server.url, `${S}/conversations/1/messages`, { token }),
          profile,
          'invalid_portal',
        );
      });

      it('R8: an unknown screen name or conversation id is not found', async () => {
        const token = await mint(
          'SalesIQ.operators.READ,SalesIQ.conversations.READ,SalesIQ.chatdetails.READ',
        );
        expectRefusal(
          await call(server.url, '/api/v2/nosuchportal/operators', { token }),
          profile,
          'invalid_portal',
        );
        expectRefusal(
          await call(server.url, '/api/v2/x%2F..%2Fy/operators', { token }),
          profile,
          'invalid_portal',
        );
        // A NUL is refused wherever it appears, before any lookup (issue 18).
        expectRefusal(
          await call(server.url, '/api/v2/%00%2F../operators', { token }),
          profile,
          'invalid_request',
        );
        expectRefusal(
          await call(server.url, `${S}/conversations/999999`, { token }),
          profile,
          'not_found',
        );
        expectRefusal(
          await call(server.url, `${S}/conversations/abc`, { token }),
          profile,
          'not_found',
        );
        expectRefusal(
          await call(server.url, `${S}/conversations/999999/messages`, { token }),
          profile,
          'not_found',
        );
        expectRefusal(await call(server.url, `${S}/nothing-here`, { token }), profile, 'not_found');
      });

      it.each([
        ['limit=0'],
        ['limit=100'],
        ['limit=abc'],
        ['limit=-1'],
        ['limit=2.5'],
        ['index=0'],
        ['index=x'],
        ['limit=5&limit=6'],
        ['status=closed'],
        ['from_time=yesterday'],
        ['from_time=20&to_time=10'],
      ])('R8: paging and filters out of range (%s) are invalid input', async (query) => {
        const token = await mint('SalesIQ.conversations.READ,SalesIQ.visitors.READ');
        expectRefusal(
          await call(server.url, `${S}/conversations?${query}`, { token }),
          profile,
          'invalid_input',
        );
        if (!query.startsWith('status') && !query.includes('time')) {
          expectRefusal(
            await call(server.url, `${S}/visitors?${query}`, { token }),
            profile,
            'invalid_input',
          );
        }
      });

      it('R8: index/limit page through conversations, newest first, default limit 20', async () => {
        const token = await mint('SalesIQ.conversations.READ');
        const all = (await call(server.url, `${S}/conversations`, { token })).body.data as {
          id: string;
          start_time: string;
        }[];
        expect(all).toHaveLength(12);
        const starts = all.map((c) => Number(c.start_time));
        expect([...starts].sort((a, b) => b - a)).toEqual(starts);
        const page2 = (await call(server.url, `${S}/conversations?index=2&limit=5`, { token })).body
          .data as { id: string }[];
        expect(page2.map((c) => c.id)).toEqual(all.slice(5, 10).map((c) => c.id));
        const beyond = await call(server.url, `${S}/conversations?index=9&limit=99`, { token });
        expect(beyond.body.data).toEqual([]);
      });

      it('R8: status and from_time/to_time filter conversations', async () => {
        const token = await mint('SalesIQ.conversations.READ');
        const all = (await call(server.url, `${S}/conversations`, { token })).body.data as {
          status: string;
          start_time: string;
        }[];
        const missed = (await call(server.url, `${S}/conversations?status=missed`, { token })).body
          .data as { status: string }[];
        expect(missed.length).toBe(all.filter((c) => c.status === 'missed').length);
        expect(missed.every((c) => c.status === 'missed')).toBe(true);
        const times = all.map((c) => Number(c.start_time)).sort((a, b) => a - b);
        const from = times[3] ?? 0;
        const to = times[6] ?? 0;
        const window = (
          await call(server.url, `${S}/conversations?from_time=${from}&to_time=${to}`, { token })
        ).body.data as unknown[];
        expect(window).toHaveLength(4);
      });

      it('R8: ids, times and counts are strings; the conversation names its visitor and attender', async () => {
        const token = await mint('SalesIQ.conversations.READ,SalesIQ.visitors.READ');
        const conversation = (await call(server.url, `${S}/conversations/1`, { token })).body
          .data as Record<string, unknown>;
        expect(conversation).toMatchObject({
          id: '1',
          status: 'ended',
          visitor: { name: 'Amelia Burrows' },
          attender: { name: expect.any(String) },
        });
        expect(typeof conversation.start_time).toBe('string');
        const visitor = (
          (await call(server.url, `${S}/visitors`, { token })).body.data as Record<
            string,
            unknown
          >[]
        )[0];
        expect(typeof visitor?.visits).toBe('string');
      });

      it('R8: creating a portal makes its creator a member; a taken screen name is refused', async () => {
        const token = await mint('SalesIQ.portals.ALL,SalesIQ.operators.READ');
        const created = await call(server.url, '/api/v2/portals', {
          token,
          method: 'POST',
          body: JSON.stringify({ name: 'Globex', screenname: 'globex' }),
        });
        expect(created.body).toMatchObject({
          url: '/api/v2/portals',
          object: 'portal',
          data: { screenname: 'globex', name: 'Globex' },
        });
        const operators = (await call(server.url, '/api/v2/globex/operators', { token })).body
          .data as { role: string }[];
        expect(operators).toEqual([expect.objectContaining({ role: 'Super Admin' })]);
        const again = await call(server.url, '/api/v2/portals', {
          token,
          method: 'POST',
          body: JSON.stringify({ name: 'Other', screenname: 'GLOBEX' }),
        });
        expect(again.status).toBe(profile === 'rfc' ? 409 : 200);
        expect(again.body.error).toEqual(
          profile === 'rfc'
            ? 'invalid_request'
            : { code: 1008, message: "The screen name 'globex' is taken." },
        );
      });

      it.each([
        ['bad JSON', '{"name": "x",', 'application/json', 'invalid_request'],
        ['a JSON array', '[1,2]', 'application/json', 'invalid_input'],
        ['a missing screenname', '{"name":"x"}', 'application/json', 'invalid_input'],
        [
          'a bad screenname',
          '{"name":"x","screenname":"a b/c"}',
          'application/json',
          'invalid_input',
        ],
        ['an empty name', '{"name":"","screenname":"okname"}', 'application/json', 'invalid_input'],
        [
          'a form body',
          'name=x&screenname=formportal',
          'application/x-www-form-urlencoded',
          'invalid_input',
        ],
        [
          'a body over 100 KB',
          JSON.stringify({ name: 'x', screenname: 'big', pad: 'x'.repeat(110 * 1024) }),
          'application/json',
          'invalid_request',
        ],
      ] as const)(
        'R8: POST /api/v2/portals with %s is a clear error, never a 5xx',
        async (_name, body, type, refusal) => {
          const token = await mint('SalesIQ.portals.CREATE');
          const res = await call(server.url, '/api/v2/portals', {
            token,
            method: 'POST',
            body,
            type,
          });
          if (profile === 'rfc' && (type !== 'application/json' || body.length > 100 * 1024)) {
            expect([413, 415]).toContain(res.status);
            expect(res.body.error).toBe('invalid_request');
          } else {
            expectRefusal(res, profile, refusal);
          }
        },
      );

      it('R8: a bad body from a caller without a valid token gets invalid_token (the token is checked first)', async () => {
        const res = await call(server.url, '/api/v2/portals', {
          header: 'Zoho-oauthtoken nope',
          method: 'POST',
          body: '{bad',
        });
        expectRefusal(res, profile, 'invalid_token');
      });
    });
  });
});
