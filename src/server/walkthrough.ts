/**
 * The home page walkthrough's memory (issue 2): for each browser, the state it sent, the code it
 * got back, its tokens, and the exchanges made so far. Kept in this process, keyed by the hash
 * of a random HttpOnly cookie, so tokens never travel to the browser; bounded in size and age
 * because it is a demo, not a store (on several instances a walkthrough sticks to one).
 */
import { generateOpaque, hashSecret, maskToken } from '../core/ids.ts';
import type { DemoCredentials } from './context.ts';

export const WALKTHROUGH_COOKIE = 'tg_walkthrough';
const MAX_WALKTHROUGHS = 1000;
const TTL_MS = 60 * 60 * 1000;

export type StepName = 'exchange' | 'userinfo' | 'refresh' | 'revoke';
export const STEP_NAMES: readonly StepName[] = ['exchange', 'userinfo', 'refresh', 'revoke'];

/** One real HTTP exchange, as text, with secrets masked. */
export interface Exchange {
  request: string;
  response: string;
  status: number;
}

export interface Walkthrough {
  state: string;
  callbackUrl?: string;
  code?: string;
  denied?: string;
  accessToken?: string;
  refreshToken?: string;
  steps: Partial<Record<StepName, Exchange>>;
  expiresAt: number;
}

const walkthroughs = new Map<string, Walkthrough>();

/** The browser's walkthrough, if its cookie names a live one. */
export function findWalkthrough(cookie: string | undefined, now: number): Walkthrough | undefined {
  if (!cookie || cookie.length > 100) return undefined;
  const w = walkthroughs.get(hashSecret(cookie));
  return w && w.expiresAt > now ? w : undefined;
}

/** Starts a fresh walkthrough; returns the cookie value that names it. */
export function startWalkthrough(now: number): { cookie: string; walkthrough: Walkthrough } {
  for (const [key, w] of walkthroughs) if (w.expiresAt <= now) walkthroughs.delete(key);
  while (walkthroughs.size >= MAX_WALKTHROUGHS) {
    const oldest = walkthroughs.keys().next().value;
    if (oldest === undefined) break;
    walkthroughs.delete(oldest);
  }
  const cookie = generateOpaque();
  const walkthrough: Walkthrough = {
    state: generateOpaque(12),
    steps: {},
    expiresAt: now + TTL_MS,
  };
  walkthroughs.set(hashSecret(cookie), walkthrough);
  return { cookie, walkthrough };
}

const SECRET_PARAMS = new Set(['client_secret', 'refresh_token', 'token', 'access_token']);

/** The encoded parameters as sent, with secret values masked (left unencoded so they read well). */
function maskParams(params: URLSearchParams): string {
  return [...params]
    .map(([k, v]) =>
      SECRET_PARAMS.has(k) ? `${k}=${maskToken(v)}` : new URLSearchParams([[k, v]]).toString(),
    )
    .join('&');
}

function maskJson(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const masked: Record<string, unknown> = { ...(body as Record<string, unknown>) };
      for (const k of ['access_token', 'refresh_token'])
        if (typeof masked[k] === 'string') masked[k] = maskToken(masked[k]);
      return JSON.stringify(masked, null, 2);
    }
    return JSON.stringify(body, null, 2);
  } catch {
    return text;
  }
}

const SHOWN_HEADERS = ['content-type', 'cache-control', 'www-authenticate', 'retry-after'];

/** Makes a real HTTP request to Tollgate's own endpoint and records it, masked, as text. */
async function call(
  issuer: string,
  method: 'GET' | 'POST',
  path: string,
  options: { form?: URLSearchParams; token?: string },
): Promise<{ exchange: Exchange; json: Record<string, unknown> }> {
  const url = new URL(path, issuer);
  const headers: Record<string, string> = {};
  const shownHeaders = [`Host: ${url.host}`];
  if (options.token) {
    headers.authorization = `Zoho-oauthtoken ${options.token}`;
    shownHeaders.push(`Authorization: Zoho-oauthtoken ${maskToken(options.token)}`);
  }
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    shownHeaders.push('Content-Type: application/x-www-form-urlencoded');
  }
  const res = await fetch(url, {
    method,
    headers,
    body: options.form?.toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = {};
  }
  const shownPath = url.search ? `${url.pathname}?${maskParams(url.searchParams)}` : url.pathname;
  const request = [
    `${method} ${shownPath} HTTP/1.1`,
    ...shownHeaders,
    ...(options.form ? ['', maskParams(options.form)] : []),
  ].join('\n');
  const responseHeaders = SHOWN_HEADERS.filter((h) => res.headers.has(h)).map(
    (h) => `${h}: ${res.headers.get(h) ?? ''}`,
  );
  const response = [
    `HTTP/1.1 ${res.status} ${res.statusText}`,
    ...responseHeaders,
    '',
    maskJson(text),
  ].join('\n');
  return { exchange: { request, response, status: res.status }, json };
}

/**
 * Runs one step of the seed's flow against this server, as the demo app would, and keeps its
 * result. Steps whose input is missing (no code yet, no token) do nothing.
 */
export async function runStep(
  w: Walkthrough,
  step: StepName,
  demo: DemoCredentials,
  issuer: string,
): Promise<void> {
  const credentials = { client_id: demo.clientId, client_secret: demo.clientSecret };
  if (step === 'exchange' && w.code) {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      ...credentials,
      redirect_uri: demo.redirectUri,
      code: w.code,
    });
    const { exchange, json } = await call(issuer, 'POST', '/oauth/v2/token', { form });
    w.steps = { exchange };
    if (typeof json.access_token === 'string') w.accessToken = json.access_token;
    if (typeof json.refresh_token === 'string') w.refreshToken = json.refresh_token;
  } else if (step === 'userinfo' && w.accessToken) {
    w.steps.userinfo = (
      await call(issuer, 'GET', '/oauth/user/info', { token: w.accessToken })
    ).exchange;
  } else if (step === 'refresh' && w.refreshToken) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      ...credentials,
      refresh_token: w.refreshToken,
    });
    const { exchange, json } = await call(issuer, 'POST', '/oauth/v2/token', { form });
    w.steps.refresh = exchange;
    if (typeof json.access_token === 'string') w.accessToken = json.access_token;
  } else if (step === 'revoke' && w.refreshToken) {
    const path = `/oauth/v2/token/revoke?${new URLSearchParams({ token: w.refreshToken }).toString()}`;
    w.steps.revoke = (await call(issuer, 'POST', path, {})).exchange;
  }
}
