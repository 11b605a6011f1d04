/**
 * The benchmark cases: what each one sends, against which server, and which baseline it is
 * compared with. Requests rotate through the seeded tokens so the load is spread like real
 * traffic (many users, many refresh tokens); codes are single-use and consumed in order.
 */
import type { Request } from 'autocannon';
import type { Fixtures } from './load-tokens.ts';
import { REDIRECT_URI } from './load-tokens.ts';

export type Baseline = 'A' | 'B';
export type CaseId =
  | 'baseline-get'
  | 'baseline-post'
  | 'userinfo'
  | 'introspect'
  | 'userinfo-cached'
  | 'introspect-cached'
  | 'operators'
  | 'refresh-params'
  | 'refresh-basic'
  | 'code-exchange';

/**
 * What a case sends. With `perConnection`, each connection sends its own list instead (set when
 * autocannon creates the connection): prebuilt requests that autocannon writes as they are,
 * with no `setupRequest` to run and no request to rebuild per request, so the load generator
 * spends on a case what it spends on baseline A's fixed request, and the ratio measures the
 * server. Every connection gets different tokens, so concurrent requests never share one.
 */
export type Load = Request[] & {
  perConnection?: (index: number, connections: number) => Request[];
};

/** The items of connection `index` of `connections`: every connections-th from its own start. */
export function shareOf<T>(items: readonly T[], index: number, connections: number): T[] {
  if (items.length === 0) throw new Error('Nothing to share.');
  const mine = items.filter((_item, i) => i % connections === index % connections);
  return mine.length > 0 ? mine : [items[index % items.length] as T];
}

/** A load of prebuilt requests, one list per connection, built from each connection's share of `items`. */
function perConnection<T>(items: readonly T[], build: (item: T) => Request): Load {
  const lists = new Map<string, Request[]>();
  const listOf = (index: number, connections: number): Request[] => {
    const key = `${index % connections}/${connections}`;
    let list = lists.get(key);
    if (!list) {
      list = shareOf(items, index, connections).map(build);
      lists.set(key, list);
    }
    return list;
  };
  // autocannon builds the shared list for every connection before `setupClient` replaces it:
  // one request is enough there.
  const first = items[0];
  if (first === undefined) throw new Error('Nothing to send.');
  return Object.assign([build(first)], { perConnection: listOf });
}

export interface CaseSpec {
  id: CaseId;
  label: string;
  /** The server the case loads. */
  server: 'tollgate' | 'baseline';
  /** The baseline it is compared with; none for the baselines themselves. */
  baseline: Baseline | null;
  /** Extra `tollgate serve` flags; the runner restarts Tollgate when they change between cases. */
  tollgateArgs?: readonly string[];
  /** Builds the autocannon requests (called once per warm-up and measured run). */
  requests(input: CaseInput): Load;
}

/** The validated-token cache (SPEC R15.6) off, and on with a TTL longer than any measured run. */
export const CACHE_OFF = ['--token-cache-ttl', '0'] as const;
export const CACHE_ON = ['--token-cache-ttl', '60'] as const;

export interface CaseInput {
  fixtures: Fixtures;
  /** Codes for the code exchange, consumed in order. */
  codes: string[];
  /** The screen name of the portal the operators case reads. */
  screenName?: string;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Round-robin over a list, shared by every connection of a run. */
function rotate<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('Nothing to rotate over.');
  let i = 0;
  return () => {
    const item = items[i % items.length] as T;
    i++;
    return item;
  };
}

/** Takes each item once; after the last one it keeps answering the last (the run then shows errors). */
function takeOnce<T>(items: T[]): () => T {
  if (items.length === 0) throw new Error('Nothing to take.');
  let i = 0;
  return () => items[Math.min(i++, items.length - 1)] as T;
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function basic(id: string, secret: string): string {
  // RFC 6749 §2.3.1: form-urlencode both parts, then Base64.
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

function post(path: string, build: (req: Request) => Request): Request {
  return { method: 'POST', path, headers: FORM, setupRequest: build };
}

function userInfoRequests({ fixtures }: CaseInput): Load {
  return perConnection(fixtures.accessTokens, (token) => ({
    method: 'GET',
    path: '/oauth/user/info',
    headers: { authorization: `Zoho-oauthtoken ${token}` },
  }));
}

function introspectRequests({ fixtures }: CaseInput): Load {
  const authorization = basic(fixtures.clientId, fixtures.clientSecret);
  return perConnection(fixtures.accessTokens, (token) => ({
    method: 'POST',
    path: '/oauth/v2/introspect',
    headers: { ...FORM, authorization },
    body: form({ token }),
  }));
}

export const CASES: readonly CaseSpec[] = [
  {
    id: 'baseline-get',
    label: 'Baseline A: bare Fastify GET, small JSON',
    server: 'baseline',
    baseline: null,
    requests: () => [{ method: 'GET', path: '/baseline/get' }],
  },
  {
    id: 'baseline-post',
    label: 'Baseline B: bare Fastify url-encoded POST',
    server: 'baseline',
    baseline: null,
    // Prebuilt, as baseline A's request: the load generator's own cost per request must not
    // cap the limit the POST cases are compared with (the refresh cases, which the server
    // limits, rebuild each request to share one rotation of refresh tokens).
    requests: ({ fixtures }) =>
      perConnection(fixtures.refreshTokens, (token) => ({
        method: 'POST',
        path: '/baseline/post',
        headers: FORM,
        body: form({
          grant_type: 'refresh_token',
          client_id: fixtures.clientId,
          client_secret: fixtures.clientSecret,
          refresh_token: token,
        }),
      })),
  },
  {
    id: 'userinfo',
    label: 'GET /oauth/user/info, token cache off',
    server: 'tollgate',
    baseline: 'A',
    tollgateArgs: CACHE_OFF,
    requests: userInfoRequests,
  },
  {
    id: 'introspect',
    label: 'POST /oauth/v2/introspect (Basic), token cache off',
    server: 'tollgate',
    baseline: 'A',
    tollgateArgs: CACHE_OFF,
    requests: introspectRequests,
  },
  {
    id: 'operators',
    label: 'GET /api/v2/{screen_name}/operators',
    server: 'tollgate',
    baseline: 'A',
    requests: ({ fixtures, screenName }) =>
      perConnection(fixtures.accessTokens, (token) => ({
        method: 'GET',
        path: `/api/v2/${encodeURIComponent(screenName ?? 'bench')}/operators`,
        headers: { authorization: `Zoho-oauthtoken ${token}` },
      })),
  },
  {
    id: 'refresh-params',
    label: 'refresh_token grant, client_id/client_secret params',
    server: 'tollgate',
    baseline: 'B',
    requests: ({ fixtures }) => {
      const next = rotate(fixtures.refreshTokens);
      const { clientId, clientSecret } = fixtures;
      return [
        post('/oauth/v2/token', (req) => ({
          ...req,
          body: form({
            grant_type: 'refresh_token',
            client_id: clientId,
            client_secret: clientSecret,
            refresh_token: next(),
          }),
        })),
      ];
    },
  },
  {
    id: 'refresh-basic',
    label: 'refresh_token grant, HTTP Basic',
    server: 'tollgate',
    baseline: 'B',
    requests: ({ fixtures }) => {
      const next = rotate(fixtures.refreshTokens);
      const authorization = basic(fixtures.clientId, fixtures.clientSecret);
      return [
        post('/oauth/v2/token', (req) => ({
          ...req,
          headers: { ...req.headers, authorization },
          body: form({ grant_type: 'refresh_token', refresh_token: next() }),
        })),
      ];
    },
  },
  {
    id: 'code-exchange',
    label: 'authorization_code exchange (offline)',
    server: 'tollgate',
    baseline: 'B',
    requests: ({ fixtures, codes }) => {
      const next = takeOnce(codes);
      const { clientId, clientSecret } = fixtures;
      return [
        post('/oauth/v2/token', (req) => ({
          ...req,
          body: form({
            grant_type: 'authorization_code',
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uri: REDIRECT_URI,
            code: next(),
          }),
        })),
      ];
    },
  },
  {
    id: 'userinfo-cached',
    label: 'GET /oauth/user/info, token cache on',
    server: 'tollgate',
    baseline: 'A',
    tollgateArgs: CACHE_ON,
    requests: userInfoRequests,
  },
  {
    id: 'introspect-cached',
    label: 'POST /oauth/v2/introspect (Basic), token cache on',
    server: 'tollgate',
    baseline: 'A',
    tollgateArgs: CACHE_ON,
    requests: introspectRequests,
  },
];

export function caseById(id: CaseId): CaseSpec {
  const found = CASES.find((c) => c.id === id);
  if (!found) throw new Error(`Unknown case ${id}`);
  return found;
}
