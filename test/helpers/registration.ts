/**
 * Calls of the registration endpoints (SPEC R14.3, RFC 7591/7592) for the tests: JSON in, JSON
 * out, with an optional Bearer token, and two typical apps' metadata.
 */
import type { TestServer } from './server.ts';

export type Json = Record<string, unknown>;

export async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; token?: string; type?: string } = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const url = path.startsWith('http') ? path : new URL(path, server.url).toString();
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    headers['content-type'] = options.type ?? 'application/json';
    payload = options.raw ?? JSON.stringify(options.body);
  }
  const res = await fetch(url, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

export const register = (server: TestServer, body: unknown, token?: string) =>
  call(server, 'POST', '/oauth/v2/register', { body, ...(token === undefined ? {} : { token }) });

export const WEB_APP = {
  client_name: 'Notes web app',
  redirect_uris: ['https://notes.example.com/callback'],
};
export const NATIVE_APP = {
  client_name: 'Claude-style desktop client',
  redirect_uris: ['http://127.0.0.1:33418/callback'],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
};
