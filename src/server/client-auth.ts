/**
 * Client authentication at the token, revocation and introspection endpoints: HTTP Basic or
 * client_id + client_secret parameters, never both (RFC 6749 §2.3.1). Public clients send no
 * secret. Wrong secrets are throttled per client, and an unknown client costs the same as a
 * wrong secret, so answers do not reveal which client ids exist.
 */
import type { FastifyRequest } from 'fastify';
import { invalidClient, invalidClientSecret, invalidRequest, throttled } from '../core/errors.ts';
import { hashSecret, secretMatches } from '../core/ids.ts';
import { isPublicClient } from '../core/registration.ts';
import type { Client } from '../store/types.ts';
import type { ServerContext } from './context.ts';
import { isLookupableClientId } from './client-metadata-document.ts';
import { param, type Params } from './params.ts';

export interface AuthenticatedClient {
  client: Client;
  /** How the client authenticated; `none` for public clients. */
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** Whether an Authorization header uses the Basic scheme (case-insensitive, then whitespace). */
function isBasic(header: string): boolean {
  if (header.length < 6 || header.slice(0, 5).toLowerCase() !== 'basic') return false;
  return /\s/.test(header.charAt(5));
}

/** RFC 6749 §2.3.1: both parts are form-urlencoded before Base64 (most need no decoding). */
function formDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

function decodeBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    // A NUL cannot be part of a real client id or secret, and no store can hold it.
    return id.includes('\u0000') || secret.includes('\u0000') ? undefined : { id, secret };
  } catch {
    return undefined;
  }
}

/** Whether the request carries HTTP Basic credentials (for the WWW-Authenticate answer). */
export function usesBasicAuth(request: FastifyRequest): boolean {
  return isBasic(request.headers.authorization ?? '');
}

/**
 * Finds and authenticates the client of a request.
 * @throws OAuthError invalid_client, invalid_request or the throttle error.
 */
export async function authenticateClient(
  ctx: ServerContext,
  request: FastifyRequest,
  params: Params,
): Promise<AuthenticatedClient> {
  const header = request.headers.authorization;
  const basicHeader = header !== undefined && isBasic(header);
  const basic = basicHeader ? decodeBasic(header) : undefined;
  if (basicHeader && !basic) throw invalidClient('Malformed Basic credentials.');
  const paramId = param(params, 'client_id');
  const paramSecret = param(params, 'client_secret');
  if (basic && paramSecret !== undefined)
    throw invalidRequest('Use one client authentication method, not both.');
  if (basic && paramId !== undefined && paramId !== basic.id)
    throw invalidRequest('client_id differs from the Basic credentials.');
  const clientId = basic?.id ?? paramId;
  // An empty secret is no secret (public clients send `client_id:` in Basic, as Zoho allows).
  const secret = (basic?.secret ?? paramSecret) || undefined;
  if (clientId === undefined) throw invalidClient('No client was identified.');

  const now = ctx.now();
  const throttleKey = `clientauth:${clientId.slice(0, 64)}`;
  const throttleWindowMs = ctx.config.loginWindow * 1000;
  const lookupable = isLookupableClientId(clientId, ctx.config);
  let client: Awaited<ReturnType<typeof ctx.store.findClient>>;
  if (ctx.config.throttle) {
    // The client and its throttle's count in one read; a throttled client is refused before its
    // secret is checked.
    const found = await ctx.store.findClientForAuth(
      lookupable ? clientId : undefined,
      throttleKey,
      now,
    );
    if (found.throttle.count >= ctx.config.clientAuthLimit)
      throw throttled((found.throttle.resetAt - now) / 1000);
    client = found.client;
  } else {
    // Through the client cache when it is on (SPEC R16); any write of the client empties it.
    // A cached client is answered from memory, so here an unknown client costs a store read
    // more than a known one: `--no-throttle` is for tests and benchmarks, and client ids are
    // not secrets (RFC 6749 §2.2). With the throttle on, both paths make the same store calls.
    client = lookupable ? await ctx.findClient(clientId) : undefined;
  }
  // Hash and compare even for an unknown client, so timing does not tell the two apart.
  const expected = client?.secretHash ?? hashSecret(`decoy:${clientId}`);
  const secretOk = secret !== undefined && secretMatches(secret, expected);

  // A known client with a wrong secret: Zoho says so (`invalid_client_secret`, SPEC R13.6).
  const wrongSecret = client !== undefined && secret !== undefined && !secretOk;
  if (client && isPublicClient(client.type)) {
    if (wrongSecret) return fail();
    return { client, method: 'none' };
  }
  if (!client || !secretOk) return fail();
  return { client, method: basic ? 'client_secret_basic' : 'client_secret_post' };

  async function fail(): Promise<never> {
    // The failure is counted by one atomic statement, and the count it returns decides: of many
    // failures at once (on however many instances), exactly the limit get their answer; the
    // rest are throttled, as they would have been had they come one after another (SPEC R5.6).
    if (ctx.config.throttle) {
      const hit = await ctx.store.hitCounter(throttleKey, throttleWindowMs, now);
      if (hit.count > ctx.config.clientAuthLimit) throw throttled((hit.resetAt - now) / 1000);
    }
    if (wrongSecret && client) {
      request.wireProfile = ctx.profileFor(client);
      throw invalidClientSecret();
    }
    throw invalidClient();
  }
}
