/**
 * SPEC R14.4: Client ID Metadata Documents. Loopback document servers (with the test-only
 * `--allow-loopback-client-metadata`) serve a good document and every kind of bad one; without
 * the flag, private, loopback and link-local addresses are refused before any connection.
 * Both stores, rfc profile.
 */
import { createServer, type Server } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readErrorPage } from '../../src/testing/browser.ts';
import { storeKinds } from '../helpers/stores.ts';
import {
  authorizeAt,
  authorizeUrl,
  Browser,
  postForm,
  signIn,
  startServer,
  type TestServer,
} from '../helpers/server.ts';

const REDIRECT = 'http://127.0.0.1:45123/callback';

interface DocServer {
  base: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** A loopback server of metadata documents, good and bad, counting the fetches of each path. */
async function startDocServer(): Promise<DocServer> {
  const hits = new Map<string, number>();
  let base = '';
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const doc = (extra: Record<string, unknown> = {}) => ({
      client_id: `${base}${path}`,
      client_name: 'Doc Client',
      client_uri: 'https://doc-client.example.com',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      ...extra,
    });
    switch (path) {
      case '/good.json':
        return json(doc(), { 'cache-control': 'max-age=60' });
      case '/uncached.json':
        return json(doc(), { 'cache-control': 'no-store' });
      case '/big.json':
        return json(doc({ padding: 'x'.repeat(6000) }));
      case '/chunked-big.json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"client_id":"x","padding":"');
        for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
        return res.end('"}');
      case '/slow.json':
        setTimeout(() => json(doc()), 1500);
        return undefined;
      case '/redirect.json':
        res.writeHead(302, { location: `${base}/good.json` });
        return res.end();
      case '/wrong-id.json':
        return json(doc({ client_id: `${base}/good.json` }));
      case '/not-json.json':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>hello</html>');
      case '/array.json':
        return json([doc()]);
      case '/secret.json':
        return json(doc({ token_endpoint_auth_method: 'client_secret_basic' }));
      case '/bad-redirect.json':
        return json(doc({ redirect_uris: ['http://evil.example.com/cb'] }));
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe.each(storeKinds)('R14.4 client ID metadata documents on $name', (kind) => {
  let server: TestServer;
  let docs: DocServer;
  beforeAll(async () => {
    docs = await startDocServer();
    server = await startServer(kind, {
      profile: 'rfc',
      throttle: false,
      allowLoopbackClientMetadata: true,
      clientMetadataTimeout: 300,
    });
  });
  afterAll(async () => {
    await server.close();
    await docs.close();
  });

  it('R14.4: a good document makes a public client: consent shows its host, PKCE + code exchange work with the URL as client_id', async () => {
    const clientId = `${docs.base}/good.json`;
    const user = await server.addUser();
    const browser = new Browser(server.url);
    const { verifier, challenge } = pkce();
    const url = authorizeUrl({
      clientId,
      redirectUri: REDIRECT,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    });
    await signIn(browser, user.email, user.password);
    const consent = await browser.get(url);
    expect(consent.status).toBe(200);
    const html = await consent.text();
    expect(html).toContain('<span class="app-name">Doc Client</span>');
    expect(html).toContain(
      `App identity published by <strong class="app-host">${new URL(docs.base).host}</strong>`,
    );
    const stored = await server.store.findClient(clientId);
    expect(stored).toMatchObject({
      clientId,
      registration: 'metadata-document',
      type: 'client',
      redirectUris: [REDIRECT],
      domain: 'https://doc-client.example.com',
    });

    const redirect = await authorizeAt(browser, user, url);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT);
    const tokens = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.token_type).toBe('Bearer');
    // Cached for its max-age: one fetch for the whole flow.
    expect(docs.hits.get('/good.json')).toBe(1);
    // SPEC R15.3: the new app is an audit event.
    const created = (
      await server.store.listAuditEvents({ types: ['client_created'], limit: 1000 })
    ).filter((e) => e.clientId === clientId);
    expect(created.map((e) => [e.actor, e.detail])).toEqual([
      ['metadata-document', { registration: 'metadata-document' }],
    ]);
  });

  it('R14.4: the document is cached for its max-age, re-fetched after it, and never cached under no-store', async () => {
    const user = await server.addUser();
    const browser = new Browser(server.url);
    await signIn(browser, user.email, user.password);
    const before = docs.hits.get('/good.json') ?? 0;
    const open = (path: string) =>
      browser.get(
        authorizeUrl({
          clientId: `${docs.base}${path}`,
          redirectUri: REDIRECT,
          codeChallenge: pkce().challenge,
          codeChallengeMethod: 'S256',
        }),
      );
    expect((await open('/good.json')).status).toBe(200);
    expect(docs.hits.get('/good.json')).toBe(before);
    server.advance(61_000);
    expect((await open('/good.json')).status).toBe(200);
    expect(docs.hits.get('/good.json')).toBe(before + 1);
    expect((await open('/uncached.json')).status).toBe(200);
    expect((await open('/uncached.json')).status).toBe(200);
    expect(docs.hits.get('/uncached.json')).toBe(2);
  });

  it('R14.4: its redirect_uris apply exactly: another URI, or the same loopback URI on another port, is an error page', async () => {
    const browser = new Browser(server.url);
    for (const redirectUri of ['https://evil.example.com/cb', 'http://127.0.0.1:45124/callback']) {
      const res = await browser.get(
        authorizeUrl({
          clientId: `${docs.base}/good.json`,
          redirectUri,
          codeChallenge: pkce().challenge,
          codeChallengeMethod: 'S256',
        }),
      );
      expect(res.status).toBe(400);
      expect(readErrorPage(await res.text())).toEqual({
        error: 'invalid_request',
        description: 'The redirect_uri is not registered for this app.',
      });
    }
  });

  it('R14.4: bad documents are refused with a clear error page and nothing is stored or cached', async () => {
    const cases: [string, string][] = [
      ['/big.json', 'The document is larger than 5120 bytes.'],
      ['/chunked-big.json', 'The document is larger than 5120 bytes.'],
      ['/slow.json', 'No answer within 300 ms.'],
      ['/redirect.json', 'The URL answered with a redirect (302).'],
      ['/wrong-id.json', 'its client_id is not the URL it was fetched from.'],
      ['/not-json.json', 'it is not JSON.'],
      ['/array.json', 'it is not a JSON object.'],
      ['/secret.json', 'only token_endpoint_auth_method "none" (with PKCE) is supported.'],
      [
        '/bad-redirect.json',
        'http://evil.example.com/cb must use https (http is allowed only on a loopback host).',
      ],
      ['/missing.json', 'fetching it answered HTTP 404, not 200.'],
    ];
    const browser = new Browser(server.url);
    for (const [path, why] of cases) {
      const clientId = `${docs.base}${path}`;
      const url = authorizeUrl({ clientId, redirectUri: REDIRECT });
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await browser.get(url);
        expect(res.status, path).toBe(400);
        const page = readErrorPage(await res.text());
        expect(page?.error, path).toBe('invalid_client');
        expect(page?.description, path).toBe(
          `The app's client metadata document (${clientId}) cannot be used: ${why}`,
        );
      }
      // Refused answers are not cached: the second attempt fetched again.
      expect(docs.hits.get(path), path).toBe(2);
      expect(await server.store.findClient(clientId), path).toBeUndefined();
    }
  });

  it('R14.4: malformed client_id URLs are refused before any fetch: credentials, fragment, no path, dot segments, control characters', async () => {
    const browser = new Browser(server.url);
    const host = new URL(docs.base).host;
    for (const [clientId, why] of [
      [`http://user:pw@${host}/good.json`, 'the URL must not contain a user name or password.'],
      [`${docs.base}/good.json#x`, 'the URL must not contain a fragment.'],
      [`${docs.base}/`, 'the URL must have a path.'],
      [`${docs.base}/a/../good.json`, 'the URL must not contain . or .. path segments.'],
      [`${docs.base}/good.json\u0001`, 'the URL contains spaces or control characters.'],
    ] as const) {
      const before = [...docs.hits.values()].reduce((a, b) => a + b, 0);
      const res = await browser.get(authorizeUrl({ clientId, redirectUri: REDIRECT }));
      expect(res.status, clientId).toBe(400);
      expect(readErrorPage(await res.text())?.description, clientId).toBe(
        `The app's client metadata document (${clientId}) cannot be used: ${why}`,
      );
      expect(
        [...docs.hits.values()].reduce((a, b) => a + b, 0),
        clientId,
      ).toBe(before);
    }
  });

  it('R14.4: a metadata-document client_id unknown to the store is 401 invalid_client at the token endpoint', async () => {
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: 'x',
      client_id: `${docs.base}/never-fetched.json`,
      code_verifier: 'x'.repeat(43),
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });
});

describe.each(storeKinds)('R14.4 private addresses without the flag on $name', (kind) => {
  let server: TestServer;
  let docs: DocServer;
  beforeAll(async () => {
    docs = await startDocServer();
    server = await startServer(kind, { profile: 'rfc', throttle: false });
  });
  afterAll(async () => {
    await server.close();
    await docs.close();
  });

  it('R14.4: https client_ids on 10.x, 127.x, ::1, 169.254.x, 192.168.x and a host name resolving to 127.0.0.1 are refused before connecting', async () => {
    const browser = new Browser(server.url);
    for (const [clientId, address] of [
      ['https://10.1.2.3/client.json', '10.1.2.3'],
      ['https://127.0.0.1/client.json', '127.0.0.1'],
      ['https://[::1]/client.json', '::1'],
      ['https://169.254.169.254/latest/meta-data.json', '169.254.169.254'],
      ['https://192.168.1.1/client.json', '192.168.1.1'],
      ['https://[::ffff:127.0.0.1]/client.json', '::ffff:7f00:1'],
      ['https://localhost/client.json', '127.0.0.1'],
    ] as const) {
      const res = await browser.get(authorizeUrl({ clientId, redirectUri: REDIRECT }));
      expect(res.status, clientId).toBe(400);
      const page = readErrorPage(await res.text());
      expect(page?.error, clientId).toBe('invalid_client');
      expect(page?.description, clientId).toContain(
        `resolves to a private, loopback or link-local address (${address}).`,
      );
      expect(await server.store.findClient(clientId)).toBeUndefined();
    }
  });

  it('R14.4: an http client_id is not a metadata document without the flag (no fetch, unknown app)', async () => {
    const clientId = `${docs.base}/good.json`;
    const res = await new Browser(server.url).get(
      authorizeUrl({ clientId, redirectUri: REDIRECT }),
    );
    expect(res.status).toBe(400);
    expect(readErrorPage(await res.text())?.error).toBe('invalid_request');
    expect(docs.hits.get('/good.json')).toBeUndefined();
  });
});
