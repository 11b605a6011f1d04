/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the form the MCP
 * authorization specification adopts; SPEC R14.4). A `client_id` that is an https URL names a
 * JSON document the client publishes there. Tollgate fetches it through the SSRF guard
 * (safe-fetch.ts: 5 s, 5 KB, no redirects, no private addresses), requires it to name itself as
 * `client_id`, and keeps it as a public client whose redirect URIs are exactly the document's.
 *
 * Caching: a document is reused for its `Cache-Control: max-age` (at most an hour), for five
 * minutes when it says nothing, and not at all under `no-store` or `no-cache`. A failed fetch is
 * never cached. The client row is rewritten from each fresh document, so codes and tokens issued
 * to the client keep working across fetches.
 */
import { OAuthError } from '../core/errors.ts';
import { generateClientSecret, hashSecret } from '../core/ids.ts';
import { MAX_METADATA_BYTES, parseClientMetadata } from '../core/dynamic-registration.ts';
import { isLoopbackHost } from '../core/redirect-uri.ts';
import { hasControlCharacters } from '../core/text.ts';
import type { Client, ClientType } from '../store/types.ts';
import type { ServerContext } from './context.ts';
import { safeFetch, SafeFetchError } from './safe-fetch.ts';

/** Five minutes when the document's answer says nothing about caching. */
const DEFAULT_TTL_MS = 300_000;
/** A document is re-fetched at least hourly, whatever it asks. */
const MAX_TTL_MS = 3_600_000;
/** Documents remembered per instance before the memory starts over. */
const CACHE_SIZE = 1_000;

/**
 * Whether a client_id names a metadata document: an https URL with a path, or, with
 * `--allow-loopback-client-metadata` (tests, local development), an http URL on a loopback host.
 */
export function isMetadataDocumentId(
  clientId: string,
  config: { allowLoopbackClientMetadata: boolean },
): boolean {
  if (!clientId.startsWith('https://') && !clientId.startsWith('http://')) return false;
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return config.allowLoopbackClientMetadata && isLoopbackHost(url.hostname);
}

const refused = (clientId: string, why: string): OAuthError =>
  new OAuthError(
    'invalid_client',
    `The app's client metadata document (${clientId.slice(0, 300)}) cannot be used: ${why}`,
    { status: 400, redirectable: false },
  );

/** Draft §3: what a client_id URL must look like before anything is fetched. */
function checkClientIdUrl(clientId: string): URL {
  if (clientId.length > 2000) throw refused(clientId, 'the URL is longer than 2000 characters.');
  if (hasControlCharacters(clientId) || /\s/.test(clientId))
    throw refused(clientId, 'the URL contains spaces or control characters.');
  const url = new URL(clientId);
  if (url.username || url.password)
    throw refused(clientId, 'the URL must not contain a user name or password.');
  if (clientId.includes('#')) throw refused(clientId, 'the URL must not contain a fragment.');
  if (url.pathname === '/' || url.pathname === '')
    throw refused(clientId, 'the URL must have a path.');
  if (/\/\.\.?(\/|$)/.test(clientId.slice(url.origin.length)))
    throw refused(clientId, 'the URL must not contain . or .. path segments.');
  return url;
}

/** How long an answer may be reused, from its Cache-Control header. */
function ttlOf(cacheControl: string | undefined): number {
  const value = (cacheControl ?? '').toLowerCase();
  if (/\b(no-store|no-cache)\b/.test(value)) return 0;
  const maxAge = /\bmax-age=(\d+)/.exec(value);
  if (!maxAge) return DEFAULT_TTL_MS;
  return Math.min(Number(maxAge[1]) * 1000, MAX_TTL_MS);
}

/** Native apps' private-use schemes need the `mobile` rules; everything else is matched exactly. */
function typeFor(redirectUris: readonly string[]): ClientType {
  return redirectUris.some((u) => !u.startsWith('https://') && !u.startsWith('http://'))
    ? 'mobile'
    : 'client';
}

const caches = new WeakMap<ServerContext, Map<string, { client: Client; until: number }>>();

function cacheOf(ctx: ServerContext): Map<string, { client: Client; until: number }> {
  let cache = caches.get(ctx);
  if (!cache) {
    cache = new Map();
    caches.set(ctx, cache);
  }
  return cache;
}

/**
 * The client a metadata-document client_id names, fetched (or taken from the cache) and saved.
 * @throws OAuthError invalid_client (HTTP 400, never redirected) saying what is wrong.
 */
export async function resolveMetadataDocumentClient(
  ctx: ServerContext,
  clientId: string,
): Promise<Client> {
  const cache = cacheOf(ctx);
  const cached = cache.get(clientId);
  if (cached && cached.until > ctx.now()) return cached.client;
  cache.delete(clientId);

  const url = checkClientIdUrl(clientId);
  let answer;
  try {
    answer = await safeFetch(url, {
      timeoutMs: ctx.config.clientMetadataTimeout,
      maxBytes: MAX_METADATA_BYTES,
      allowPrivate: ctx.config.allowLoopbackClientMetadata,
    });
  } catch (error) {
    if (error instanceof SafeFetchError) throw refused(clientId, error.message);
    throw error;
  }
  if (answer.status !== 200)
    throw refused(clientId, `fetching it answered HTTP ${answer.status}, not 200.`);
  let document: unknown;
  try {
    document = JSON.parse(answer.body);
  } catch {
    throw refused(clientId, 'it is not JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw refused(clientId, 'it is not a JSON object.');
  const fields = document as Record<string, unknown>;
  if (fields.client_id !== clientId)
    throw refused(clientId, 'its client_id is not the URL it was fetched from.');
  if ('client_secret' in fields || 'client_secret_expires_at' in fields)
    throw refused(clientId, 'it must not contain a client secret.');
  const method = fields.token_endpoint_auth_method ?? 'none';
  if (method !== 'none')
    throw refused(clientId, 'only token_endpoint_auth_method "none" (with PKCE) is supported.');

  let parsed;
  try {
    const metadata: Record<string, unknown> = { ...fields, token_endpoint_auth_method: 'none' };
    delete metadata.client_id;
    parsed = parseClientMetadata(metadata, url.origin);
  } catch (error) {
    if (error instanceof OAuthError) throw refused(clientId, error.description);
    throw error;
  }
  const now = ctx.now();
  const client = await ctx.store.saveMetadataDocumentClient(
    {
      clientId,
      // Public clients have no usable secret; the hash of random bytes nobody sees.
      secretHash: hashSecret(generateClientSecret()),
      name: parsed.input.name,
      domain: parsed.input.domain,
      type: typeFor(parsed.input.redirectUris),
      redirectUris: parsed.input.redirectUris,
      ownerZuid: null,
      profile: null,
      clientMetadata: JSON.stringify(parsed.metadata),
    },
    now,
  );
  if (!client) throw refused(clientId, 'another app already uses this client_id.');
  // The upsert keeps the first creation time: a client created just now is a new app (R15.3).
  if (client.createdAt === now)
    await ctx.audit.record(null, {
      type: 'client_created',
      clientId,
      actor: 'metadata-document',
      detail: { registration: 'metadata-document' },
    });
  const ttl = ttlOf(answer.headers['cache-control']);
  if (ttl > 0) {
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(clientId, { client, until: ctx.now() + ttl });
  }
  return client;
}

/**
 * Whether a client_id is short enough to look up, or a metadata-document URL (a longer id).
 * Keeps arbitrary long strings away from the database.
 */
export function isLookupableClientId(
  clientId: string,
  config: { allowLoopbackClientMetadata: boolean },
): boolean {
  return (
    clientId.length <= 64 || (clientId.length <= 2000 && isMetadataDocumentId(clientId, config))
  );
}
