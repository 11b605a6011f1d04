/**
 * Shared moves of the attack tests: a signed-in victim who already consented (so a good request
 * would redirect at once), PKCE pairs, and the shape of "refused without redirecting".
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  authorize,
  Browser,
  postForm,
  signIn,
  type AuthorizeOptions,
  type TestServer,
} from '../helpers/server.ts';

export const pkcePair = (): { verifier: string; challenge: string } => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** R3.2: an HTML error page, status 400, and no Location header. */
export async function expectErrorPage(res: Response, what: string): Promise<void> {
  expect(res.status, what).toBe(400);
  expect(res.headers.get('location'), what).toBeNull();
  expect(res.headers.get('content-type'), what).toMatch(/^text\/html/);
  await res.body?.cancel();
}

/** A victim signed in to Tollgate in their own browser. */
export async function signedInVictim(
  server: TestServer,
): Promise<{ browser: Browser; user: { email: string; password: string; zuid: number } }> {
  const user = await server.addUser();
  const browser = new Browser(server.url);
  const res = await signIn(browser, user.email, user.password);
  expect(res.status).toBe(303);
  return { browser, user };
}

/**
 * A victim who already granted the app its scope, so a request the server accepts redirects
 * at once (no consent page stands between an attack and the redirect).
 */
export async function victimWhoConsented(
  server: TestServer,
  o: AuthorizeOptions,
): Promise<{ browser: Browser; user: { email: string; password: string; zuid: number } }> {
  const victim = await signedInVictim(server);
  const first = await authorize(victim.browser, victim.user, o);
  expect(first.searchParams.get('code')).toBeTruthy();
  return victim;
}

/** An authorization-code exchange by form parameters. */
export function exchange(
  server: TestServer,
  form: Record<string, string>,
): ReturnType<typeof postForm> {
  return postForm(server.url, '/oauth/v2/token', { grant_type: 'authorization_code', ...form });
}

/** Calls user info with a token in the Authorization header. */
export async function userInfo(
  server: TestServer,
  token: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/oauth/user/info`, {
    headers: { authorization: `Zoho-oauthtoken ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Whether user info accepted the token (zoho profile: errors are HTTP 200 with an error object). */
export async function tokenWorks(server: TestServer, token: string): Promise<boolean> {
  const res = await userInfo(server, token);
  return res.status === 200 && typeof res.body.ZUID === 'number';
}

/** A token of Tollgate's exact format (R1) that Tollgate never issued. */
export const forgedToken = (): string => {
  const hex = randomBytes(32).toString('hex');
  return `1000.${hex.slice(0, 32)}.${hex.slice(32)}`;
};

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Markup an attacker would put in any string a page shows. */
export const PAYLOAD = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;
export const DOMAIN_PAYLOAD = `https://app.example.com/"><img src=x onerror=alert(3)>`;
export const EVIL_SCOPE = 'Evil.thing.READ';

/** An operator's scopes file with a description full of markup. */
export function evilScopesFile(): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-scopes-'));
  const file = join(dir, 'scopes.json');
  writeFileSync(file, JSON.stringify({ scopes: [{ name: EVIL_SCOPE, description: PAYLOAD }] }));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
