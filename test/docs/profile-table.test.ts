/**
 * Issue 17, point 12: the README's profile table says which endpoints answer errors with HTTP 200
 * in the zoho profiles, and the revocation row matches what the server does. Zoho documents that
 * revoking an invalid token fails with HTTP 400 (https://www.zoho.com/thrive/resources/developer-guide/oauth-step5.html,
 * https://www.zoho.com/commerce/api/oauth-step-5.html), unlike the token endpoint's HTTP 200.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { postForm, startServer, type TestServer } from '../helpers/server.ts';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

describe('README profile table: revocation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(storeKinds[0]!, { profile: 'zoho' });
  });
  afterAll(() => server.close());

  it('names the endpoints of the HTTP 200 rows and gives revocation its own row, as served', async () => {
    expect(README).toContain(
      '| token-endpoint errors (`POST /oauth/v2/token`) | HTTP 200, `{"error":"invalid_code"}` |',
    );
    expect(README).toContain(
      '| revoking an unknown token (`POST /oauth/v2/token/revoke`), as Zoho documents | HTTP 400, `{"status":"failure","error":"invalid_token"}` | same |',
    );
    const res = await postForm(server.url, '/oauth/v2/token/revoke?token=1000.unknown.token', {});
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 'failure', error: 'invalid_token' });
  });
});
