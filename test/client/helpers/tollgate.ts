import { Browser, authorize, startServer } from '../../helpers/server.ts';
import type { TestServer } from '../../helpers/server.ts';
import { storeKinds } from '../../helpers/stores.ts';
import type { ConfigInput } from '../../../src/core/config.ts';
import type { TollgateClient } from '@tollgate/client';

export type WireProfile = 'zoho-legacy' | 'zoho' | 'rfc';
export const WIRE_PROFILES: readonly WireProfile[] = ['zoho-legacy', 'zoho', 'rfc'];

/** A real Tollgate server (SQLite) that counts the requests it receives, by method and path. */
export interface CountingServer extends TestServer {
  count(method: string, path: string): number;
}

export async function startCountingServer(config: ConfigInput): Promise<CountingServer> {
  const [sqlite] = storeKinds;
  if (sqlite === undefined) throw new Error('no store kind');
  const server = await startServer(sqlite, config);
  const counts = new Map<string, number>();
  server.app.server.prependListener('request', (req: { method?: string; url?: string }) => {
    const key = `${req.method ?? ''} ${new URL(req.url ?? '/', 'http://x').pathname}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  return Object.assign(server, {
    count: (method: string, path: string) => counts.get(`${method} ${path}`) ?? 0,
  });
}

/**
 * Signs `user` in and accepts consent over plain HTTP (the Chromium tests drive the pages
 * themselves), using the authorization URL the SDK built, and returns the redirect URL.
 */
export async function consentOverHttp(
  server: TestServer,
  client: TollgateClient,
  user: { email: string; password: string },
  options: { accessType?: 'online' | 'offline'; prompt?: 'consent'; pkce?: boolean } = {},
): Promise<URL> {
  const request = new URL(client.authorizationUrl({ accessType: 'offline', ...options }).url);
  const q = request.searchParams;
  const get = (name: string): string => q.get(name) ?? '';
  return authorize(new Browser(server.url), user, {
    clientId: get('client_id'),
    redirectUri: get('redirect_uri'),
    scope: get('scope'),
    state: get('state'),
    accessType: get('access_type') as 'online' | 'offline',
    ...(q.has('prompt') ? { prompt: get('prompt') } : {}),
    codeChallenge: get('code_challenge'),
    codeChallengeMethod: get('code_challenge_method'),
  });
}
