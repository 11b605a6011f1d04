/**
 * Client registration (SPEC R2), shared by the CLI, the developer console and the admin API,
 * so every door applies the same rules.
 */
import { generateClientId, generateClientSecret, hashSecret } from './ids.ts';
import { redirectUriProblem } from './redirect-uri.ts';
import { hasControlCharacters } from './text.ts';
import { isWireProfile, type WireProfile } from './profiles.ts';
import { parseDataCentres } from './data-centres.ts';
import type { Client, ClientType, Store } from '../store/types.ts';

export const CLIENT_TYPES: readonly ClientType[] = ['server', 'client', 'mobile', 'self'];

/** Public clients cannot keep a secret, so they must use PKCE and get rotating refresh tokens. */
export const isPublicClient = (type: ClientType): boolean => type === 'client' || type === 'mobile';

/**
 * The redirect URI a mobile app gets when it registers none: the loopback address on any port
 * (RFC 8252 §7.3), which is what `tollgate login` and other native apps listen on.
 */
export const MOBILE_DEFAULT_REDIRECT_URI = 'http://127.0.0.1/callback';

export interface ClientInput {
  name: string;
  domain: string;
  redirectUris: string[];
  type: ClientType;
  profile?: WireProfile | null;
  /** The data centres the client is enabled in (SPEC R13.1); null: all. */
  dataCentres?: string[] | null;
}

/** The redirect URIs as given, or a mobile app's loopback default when it gives none. */
function redirectUrisOf(given: unknown, type: unknown): unknown[] {
  const uris = Array.isArray(given) ? (given as unknown[]) : [];
  return type === 'mobile' && uris.length === 0 ? [MOBILE_DEFAULT_REDIRECT_URI] : uris;
}

export type ClientField = 'name' | 'domain' | 'redirectUris' | 'type' | 'profile' | 'dataCentres';

/** Field-by-field problems, or an empty object when the input is valid. */
export function checkClientInput(input: {
  name?: unknown;
  domain?: unknown;
  redirectUris?: unknown;
  type?: unknown;
  profile?: unknown;
  dataCentres?: unknown;
}): Partial<Record<ClientField, string>> {
  const problems: Partial<Record<ClientField, string>> = {};
  const type = input.type ?? 'server';
  if (typeof type !== 'string' || !(CLIENT_TYPES as readonly string[]).includes(type)) {
    problems.type = `Client Type must be one of ${CLIENT_TYPES.join(', ')}.`;
  }
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length === 0) problems.name = 'Client Name is required.';
  else if ([...name].length > 100) problems.name = 'Client Name must be at most 100 characters.';
  else if (hasControlCharacters(name))
    problems.name = 'Client Name must not contain control characters.';

  const domain = typeof input.domain === 'string' ? input.domain.trim() : '';
  let domainUrl: URL | undefined;
  try {
    domainUrl = new URL(domain);
  } catch {
    domainUrl = undefined;
  }
  if (!domainUrl || !['http:', 'https:'].includes(domainUrl.protocol) || domain.length > 2000) {
    problems.domain = 'Client Domain must be an http(s) URL, e.g. https://example.com.';
  }

  const uris = redirectUrisOf(input.redirectUris, type);
  if (type === 'self') {
    if (uris.length > 0) problems.redirectUris = 'A self client has no redirect URI.';
  } else if (uris.length === 0) {
    problems.redirectUris = 'At least one Authorized Redirect URI is required.';
  } else if (uris.length > 20) {
    problems.redirectUris = 'At most 20 Authorized Redirect URIs can be registered.';
  } else {
    for (const uri of uris) {
      const why =
        typeof uri === 'string' ? redirectUriProblem(uri, type as ClientType) : 'is not text';
      if (why) {
        problems.redirectUris = `${String(uri).slice(0, 200)} ${why}.`;
        break;
      }
    }
  }
  if (input.profile !== undefined && input.profile !== null && !isWireProfile(input.profile)) {
    problems.profile = 'WireProfile must be zoho, zoho-legacy or rfc.';
  }
  if (input.dataCentres !== undefined && input.dataCentres !== null) {
    const list = input.dataCentres;
    const parsed =
      Array.isArray(list) && list.length > 0 && list.every((dc) => typeof dc === 'string')
        ? parseDataCentres(list.join(','))
        : { problem: 'at least one data centre is needed' };
    if ('problem' in parsed) problems.dataCentres = `Multi DC: ${parsed.problem}.`;
  }
  return problems;
}

export class ClientInputError extends Error {
  readonly problems: Partial<Record<ClientField, string>>;
  constructor(problems: Partial<Record<ClientField, string>>) {
    super(Object.values(problems).join(' '));
    this.name = 'ClientInputError';
    this.problems = problems;
  }
}

/** Normalises and validates input, throwing ClientInputError with every problem found. */
export function parseClientInput(input: Parameters<typeof checkClientInput>[0]): ClientInput {
  const problems = checkClientInput(input);
  if (Object.keys(problems).length > 0) throw new ClientInputError(problems);
  return {
    name: String(input.name).trim(),
    domain: String(input.domain).trim(),
    redirectUris: [...new Set(redirectUrisOf(input.redirectUris, input.type) as string[])],
    type: (input.type ?? 'server') as ClientType,
    profile: (input.profile as WireProfile | undefined) ?? null,
    dataCentres: Array.isArray(input.dataCentres)
      ? (input.dataCentres as string[]).map((dc) => dc.trim().toLowerCase())
      : null,
  };
}

/**
 * Registers a client. A confidential client's plaintext secret is returned once and only its
 * hash is stored. A public client (RFC 6749 §2.1: `client`, `mobile`) gets no secret
 * (`clientSecret` is undefined): it authenticates with PKCE, and any secret it sends is refused.
 * The stored hash is then that of random bytes nobody ever sees.
 */
export async function registerClient(
  store: Store,
  input: Parameters<typeof checkClientInput>[0],
  ownerZuid: number | null,
  now: number,
): Promise<{ client: Client; clientSecret: string | undefined }> {
  const parsed = parseClientInput(input);
  const secret = generateClientSecret();
  const clientSecret = isPublicClient(parsed.type) ? undefined : secret;
  const client = await store.createClient(
    {
      clientId: generateClientId(),
      secretHash: hashSecret(secret),
      name: parsed.name,
      domain: parsed.domain,
      type: parsed.type,
      redirectUris: parsed.redirectUris,
      ownerZuid,
      profile: parsed.profile ?? null,
      dataCentres: parsed.dataCentres ?? null,
    },
    now,
  );
  return { client, clientSecret };
}

/** `registerClient` for a confidential client (`server`, `self`), whose secret is certain. */
export async function registerConfidentialClient(
  ...args: Parameters<typeof registerClient>
): Promise<{ client: Client; clientSecret: string }> {
  const { client, clientSecret } = await registerClient(...args);
  if (clientSecret === undefined)
    throw new ClientInputError({ type: 'A public app (client or mobile) has no secret.' });
  return { client, clientSecret };
}

/**
 * Replaces a client's secret; the old one stops working at once. Undefined for an unknown client.
 * @throws ClientInputError for a public client, which has no secret to rotate.
 */
export async function rotateSecret(store: Store, clientId: string): Promise<string | undefined> {
  const client = await store.findClient(clientId);
  if (!client) return undefined;
  if (isPublicClient(client.type))
    throw new ClientInputError({
      type: 'A public app (client or mobile) has no secret to rotate: it uses PKCE.',
    });
  const clientSecret = generateClientSecret();
  return (await store.rotateClientSecret(clientId, hashSecret(clientSecret)))
    ? clientSecret
    : undefined;
}
