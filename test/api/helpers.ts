/** Shared helpers of the API and resource tests: tokens with chosen scopes, and refusal checks. */
import { expect } from 'vitest';
import { RESOURCE_ERROR_CODES } from '@tollgate/resource';
import { postForm, type TestServer } from '../helpers/server.ts';

export type Refusal =
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_request'
  | 'invalid_portal'
  | 'not_found'
  | 'invalid_input';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A self client owned by the user, and a function minting its tokens with any scopes (client credentials). */
export async function tokenMinter(
  server: TestServer,
  zuid: number,
): Promise<(scope: string) => Promise<string>> {
  const app = await server.addClient({ type: 'self', owner: zuid });
  return async (scope) => {
    const res = await postForm(server.url, '/oauth/v2/token', {
      grant_type: 'client_credentials',
      soid: 'ZohoSalesIQ.600123434',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope,
    });
    const token = res.body.access_token;
    if (typeof token !== 'string') throw new Error(`no token: ${JSON.stringify(res.body)}`);
    return token;
  };
}

export async function call(
  base: string,
  path: string,
  init: { token?: string; header?: string; method?: string; body?: string; type?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (init.header !== undefined) headers.authorization = init.header;
  else if (init.token !== undefined) headers.authorization = `Zoho-oauthtoken ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json';
  const res = await fetch(new URL(path, base), {
    method: init.method ?? 'GET',
    headers,
    body: init.body,
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, headers: res.headers, body };
}

const RFC_STATUS: Record<Refusal, number> = {
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_request: 400,
  invalid_input: 400,
  invalid_portal: 404,
  not_found: 404,
};

/** Checks a refusal in the profile's shape (SPEC R0): Zoho's HTTP 200 body, or RFC 6750's status and challenge. */
export function expectRefusal(
  res: ApiResponse,
  profile: string,
  kind: Refusal,
  scope?: string,
): void {
  expect(res.status).toBeLessThan(500);
  if (profile !== 'rfc') {
    expect(res.status).toBe(200);
    const error = res.body.error as { code: number; message: string };
    expect(error).toMatchObject({ code: RESOURCE_ERROR_CODES[kind] });
    expect(typeof error.message).toBe('string');
    return;
  }
  expect(res.status).toBe(RFC_STATUS[kind]);
  const wire = kind === 'invalid_token' || kind === 'insufficient_scope' ? kind : 'invalid_request';
  expect(res.body.error).toBe(wire);
  if (kind === 'invalid_token' || kind === 'insufficient_scope') {
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`error="${kind}"`);
    expect(challenge).toContain('error_description="');
    if (scope) expect(challenge).toContain(`scope="${scope}"`);
  }
}
