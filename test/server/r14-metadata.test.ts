/**
 * SPEC R14.9: the metadata documents (RFC 8414 and OpenID Connect discovery) list the R14
 * endpoints and capabilities derived from what is enabled, and every endpoint they name is served.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/core/config.ts';
import { storeKinds } from '../helpers/stores.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** The R14 members of the metadata. */
const R14_KEYS = [
  'registration_endpoint',
  'client_id_metadata_document_supported',
  'pushed_authorization_request_endpoint',
  'require_pushed_authorization_requests',
  'authorization_response_iss_parameter_supported',
  'code_challenge_methods_supported',
  'token_endpoint_auth_methods_supported',
  'dpop_signing_alg_values_supported',
] as const;

const DOCUMENTS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

async function r14Metadata(server: TestServer, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  return Object.fromEntries(R14_KEYS.filter((k) => k in body).map((k) => [k, body[k]]));
}

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];
const DPOP_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

describe.each(storeKinds)('R14.9 metadata derived from what is enabled on $name', (kind) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const cases: [string, ConfigInput, (url: string) => Record<string, unknown>][] = [
    [
      'rfc, registration off, PAR optional',
      { profile: 'rfc' },
      (url) => ({
        client_id_metadata_document_supported: true,
        pushed_authorization_request_endpoint: `${url}/oauth/v2/par`,
        require_pushed_authorization_requests: false,
        authorization_response_iss_parameter_supported: true,
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: AUTH_METHODS,
        dpop_signing_alg_values_supported: DPOP_ALGORITHMS,
      }),
    ],
    [
      'rfc, registration open, PAR required',
      { profile: 'rfc', registration: 'open', requirePar: true },
      (url) => ({
        registration_endpoint: `${url}/oauth/v2/register`,
        client_id_metadata_document_supported: true,
        pushed_authorization_request_endpoint: `${url}/oauth/v2/par`,
        require_pushed_authorization_requests: true,
        authorization_response_iss_parameter_supported: true,
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: AUTH_METHODS,
        dpop_signing_alg_values_supported: DPOP_ALGORITHMS,
      }),
    ],
    [
      'zoho, registration by token',
      { profile: 'zoho', registration: 'token' },
      (url) => ({
        registration_endpoint: `${url}/oauth/v2/register`,
        client_id_metadata_document_supported: true,
        pushed_authorization_request_endpoint: `${url}/oauth/v2/par`,
        require_pushed_authorization_requests: false,
        authorization_response_iss_parameter_supported: false,
        code_challenge_methods_supported: ['S256', 'plain'],
        token_endpoint_auth_methods_supported: AUTH_METHODS,
        dpop_signing_alg_values_supported: DPOP_ALGORITHMS,
      }),
    ],
  ];

  for (const [name, config, expected] of cases) {
    it(`R14.9: ${name}: both metadata documents say exactly so`, async () => {
      server = await startServer(kind, { throttle: false, ...config });
      for (const path of DOCUMENTS)
        expect(await r14Metadata(server, path), path).toEqual(expected(server.url));
    });
  }

  it('R14.9: every endpoint the metadata names is served (never 404), with every option on', async () => {
    server = await startServer(kind, { profile: 'rfc', throttle: false, registration: 'open' });
    const body = (await (
      await fetch(`${server.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    const endpoints = Object.entries(body).filter(
      ([key]) => key.endsWith('_endpoint') || key === 'jwks_uri',
    );
    expect(endpoints.map(([key]) => key)).toContain('registration_endpoint');
    for (const [key, url] of endpoints) {
      const get = await fetch(String(url), { redirect: 'manual' });
      const post = await fetch(String(url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect(
        [get.status, post.status].some((s) => s !== 404),
        key,
      ).toBe(true);
    }
  });
});
