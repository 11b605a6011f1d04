/**
 * A real Tollgate server for HTTP tests: listening on port 0 over a fresh store, with helpers
 * to create users and apps and to walk the browser part of the flow (sign in, consent) with
 * plain HTTP requests, the way a browser would.
 */
import type { FastifyInstance } from 'fastify';
import { EmulatorClock } from '../../src/core/clock.ts';
import { parseConfig, type ConfigInput } from '../../src/core/config.ts';
import { hashPassword } from '../../src/core/passwords.ts';
import { registerClient } from '../../src/core/registration.ts';
import { buildApp, type BuildAppOptions } from '../../src/server/app.ts';
import type { ClientType, Store, User } from '../../src/store/types.ts';
import type { StoreKind } from './stores.ts';
import {
  Browser,
  hiddenField,
  walkAuthorization,
  type ConsentDecision,
} from '../../src/testing/browser.ts';

export interface TestServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  /** Moves the server's clock forward. */
  advance(ms: number): void;
  now(): number;
  addUser(email?: string, password?: string): Promise<User & { password: string }>;
  /** `clientSecret` is '' for a public app, which has none (an empty client_secret is absent). */
  addClient(options?: {
    type?: ClientType;
    redirectUris?: string[];
    name?: string;
    owner?: number | null;
    profile?: 'zoho' | 'zoho-legacy' | 'rfc';
  }): Promise<{ clientId: string; clientSecret: string; redirectUri: string }>;
  close(): Promise<void>;
}

let counter = 0;

export async function startServer(
  kind: StoreKind,
  config: ConfigInput = {},
  options: BuildAppOptions = {},
): Promise<TestServer> {
  const store = await kind.open();
  const clock = options.clock ?? new EmulatorClock();
  const now = (): number => clock.now();
  const app = await buildApp(parseConfig({ logLevel: 'silent', port: 0, ...config }), store, {
    ...options,
    clock,
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  app.tollgate.setListeningAddress(address);
  // On PostgreSQL the token cache is bypassed until its LISTEN connection is up (SPEC R15.6);
  // tests that show what the cache keeps start once it is (it takes a few milliseconds).
  const cache = app.tollgate.tokenCache;
  for (const started = Date.now(); cache && !cache.active && Date.now() - started < 5_000;)
    await new Promise((resolve) => setTimeout(resolve, 5));
  return {
    url: address,
    app,
    store,
    now,
    advance(ms) {
      clock.advance(ms);
    },
    async addUser(email, password = 'correct horse battery') {
      const created = await store.createUser(
        {
          email: email ?? `user${++counter}-${Math.random().toString(36).slice(2, 8)}@example.com`,
          passwordHash: await hashPassword(password),
          firstName: 'Ada',
          lastName: 'Lovelace',
          displayName: 'Ada Lovelace',
        },
        now(),
      );
      if (created.outcome !== 'created') throw new Error(`addUser: ${email} is taken`);
      return { ...created.user, password };
    },
    async addClient({
      type = 'server',
      redirectUris,
      name = 'Test App',
      owner = null,
      profile,
    } = {}) {
      const uris = redirectUris ?? (type === 'self' ? [] : ['https://app.example.com/callback']);
      const { client, clientSecret } = await registerClient(
        store,
        { name, domain: 'https://app.example.com', redirectUris: uris, type, profile },
        owner,
        now(),
      );
      return {
        clientId: client.clientId,
        clientSecret: clientSecret ?? '',
        redirectUri: uris[0] ?? '',
      };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

export { Browser, hiddenField };

export interface AuthorizeOptions {
  clientId: string;
  redirectUri: string;
  scope?: string;
  state?: string;
  accessType?: 'online' | 'offline';
  prompt?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  extra?: Record<string, string>;
}

export function authorizeUrl(o: AuthorizeOptions): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
    scope: o.scope ?? 'AaaServer.profile.READ',
  });
  if (o.state !== undefined) q.set('state', o.state);
  if (o.accessType) q.set('access_type', o.accessType);
  if (o.prompt) q.set('prompt', o.prompt);
  if (o.codeChallenge) q.set('code_challenge', o.codeChallenge);
  if (o.codeChallengeMethod) q.set('code_challenge_method', o.codeChallengeMethod);
  for (const [k, v] of Object.entries(o.extra ?? {})) q.set(k, v);
  return `/oauth/v2/auth?${q.toString()}`;
}

/** Signs a browser in through the login form. */
export async function signIn(
  browser: Browser,
  email: string,
  password: string,
  returnTo = '/',
): Promise<Response> {
  const loginPage = await (
    await browser.get(`/login?return_to=${encodeURIComponent(returnTo)}`)
  ).text();
  return browser.post('/login', {
    _csrf: hiddenField(loginPage, '_csrf'),
    return_to: returnTo,
    email,
    password,
  });
}

/**
 * Runs the browser part of the flow: sign in when asked, accept (or deny) consent when shown,
 * and returns the final redirect's URL (to the app's redirect URI).
 */
export function authorize(
  browser: Browser,
  user: { email: string; password: string },
  o: AuthorizeOptions,
  decision: ConsentDecision = 'accept',
): Promise<URL> {
  return authorizeAt(browser, user, authorizeUrl(o), decision);
}

/** The same, for an authorization URL built elsewhere (e.g. by a standard client library). */
export async function authorizeAt(
  browser: Browser,
  user: { email: string; password: string },
  url: string,
  decision: ConsentDecision = 'accept',
): Promise<URL> {
  const outcome = await walkAuthorization(browser, user, url, decision);
  if ('page' in outcome)
    throw new Error(
      `expected a redirect to the app, got ${outcome.page.status}: ${outcome.page.html.slice(0, 300)}`,
    );
  return outcome.redirect;
}

/** POSTs form parameters to an endpoint and returns status, headers and the parsed body. */
export async function postForm(
  base: string,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text };
  }
  return { status: res.status, headers: res.headers, body };
}

/** The complete seed flow: authorize, then exchange the code. */
export async function obtainTokens(
  server: TestServer,
  o: Partial<AuthorizeOptions> & { clientId: string; clientSecret?: string; redirectUri: string },
  user?: { email: string; password: string },
  browser = new Browser(server.url),
): Promise<{
  status: number;
  body: Record<string, unknown>;
  browser: Browser;
  user: { email: string; password: string };
}> {
  const who = user ?? (await server.addUser());
  const redirect = await authorize(browser, who, {
    scope: 'AaaServer.profile.READ',
    state: 'xyz',
    ...o,
  });
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.toString()}`);
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    code,
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
  };
  if (o.clientSecret) form.client_secret = o.clientSecret;
  const res = await postForm(server.url, '/oauth/v2/token', form);
  return { ...res, browser, user: who };
}
