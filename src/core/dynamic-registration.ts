/**
 * Dynamic client registration (RFC 7591) and its management protocol (RFC 7592), SPEC R14.3.
 * Client metadata is read into the same input the console and the CLI use, so the redirect URI
 * rules of R2 apply unchanged; `token_endpoint_auth_method: none` makes a public client, which
 * must use PKCE. Initial and registration access tokens are stored only as hashes.
 */
import { OAuthError } from './errors.ts';
import { generateClientId, generateClientSecret, generateOpaque, hashSecret } from './ids.ts';
import { isLoopbackHost } from './redirect-uri.ts';
import { hasControlCharacters } from './text.ts';
import { checkClientInput, isPublicClient, type ClientInput } from './registration.ts';
import type { Client, ClientType, RegistrationToken, Store } from '../store/types.ts';

/** Recognisable prefixes, so a leaked token is easy to spot in logs and secret scanners. */
export const INITIAL_TOKEN_PREFIX = 'tginit_';
export const REGISTRATION_TOKEN_PREFIX = 'tgreg_';

/** The largest metadata document accepted, in bytes of JSON. */
export const MAX_METADATA_BYTES = 5 * 1024;

export const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'none',
] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** The grant types a registered client may use (RFC 7591 §2). */
export const REGISTRABLE_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

/** Client metadata as Tollgate keeps it (RFC 7591 §2), after defaults are applied. */
export interface ClientMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  grant_types: string[];
  response_types: string[];
  client_name: string;
  client_uri?: string;
  scope?: string;
}

/** RFC 7591 §3.2.2: metadata the server will not accept. */
export const invalidClientMetadata = (description: string): OAuthError =>
  new OAuthError('invalid_client_metadata', description, { redirectable: false });

/** RFC 7591 §3.2.2: a redirect URI the server will not accept. */
export const invalidRedirectUriMetadata = (description: string): OAuthError =>
  new OAuthError('invalid_redirect_uri', description, { redirectable: false });

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(body: Record<string, unknown>, name: string, fallback: string[]): string[] {
  const value = body[name];
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw invalidClientMetadata(`${name} must be an array of strings.`);
  return [...new Set(value as string[])];
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidClientMetadata(`${name} must be a string.`);
  if (hasControlCharacters(value) || value.length > 2000)
    throw invalidClientMetadata(
      `${name} must be at most 2000 characters, without control characters.`,
    );
  return value;
}

function parseUrl(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

/**
 * Public clients whose redirect URIs are native (loopback or a private-use scheme) register as
 * `mobile`, so a loopback URI matches on any port (RFC 8252 §7.3); browser apps as `client`.
 */
function publicTypeFor(redirectUris: readonly string[]): ClientType {
  const native = redirectUris.some((uri) => {
    const url = parseUrl(uri);
    return (
      url !== undefined &&
      url.protocol !== 'https:' &&
      (url.protocol !== 'http:' || isLoopbackHost(url.hostname))
    );
  });
  return native ? 'mobile' : 'client';
}

/** The registration's client input (R2's rules) with its metadata. */
export interface ParsedClientMetadata {
  metadata: ClientMetadata;
  input: ClientInput;
}

/**
 * Reads an RFC 7591 registration request. Unknown members are ignored (§2).
 * @param fallbackDomain the client's domain when it sends no http(s) `client_uri` or redirect URI.
 * @throws OAuthError invalid_client_metadata or invalid_redirect_uri, with a description.
 */
export function parseClientMetadata(body: unknown, fallbackDomain: string): ParsedClientMetadata {
  if (!isPlainObject(body)) throw invalidClientMetadata('The body must be a JSON object.');
  if (Buffer.byteLength(JSON.stringify(body)) > MAX_METADATA_BYTES)
    throw invalidClientMetadata(`Client metadata must be at most ${MAX_METADATA_BYTES} bytes.`);

  const redirectUris = stringList(body, 'redirect_uris', []);
  if (redirectUris.length === 0)
    throw invalidRedirectUriMetadata('redirect_uris must name at least one redirect URI.');
  const method = body.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!(TOKEN_ENDPOINT_AUTH_METHODS as readonly unknown[]).includes(method))
    throw invalidClientMetadata(
      `token_endpoint_auth_method must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}.`,
    );
  const grantTypes = stringList(body, 'grant_types', ['authorization_code']);
  const unknownGrant = grantTypes.find(
    (g) => !(REGISTRABLE_GRANT_TYPES as readonly string[]).includes(g),
  );
  if (unknownGrant !== undefined || !grantTypes.includes('authorization_code'))
    throw invalidClientMetadata(
      `grant_types must include authorization_code and may add refresh_token${unknownGrant === undefined ? '' : ` (got ${unknownGrant.slice(0, 60)})`}.`,
    );
  const responseTypes = stringList(body, 'response_types', ['code']);
  if (responseTypes.length !== 1 || responseTypes[0] !== 'code')
    throw invalidClientMetadata('response_types must be ["code"].');
  const clientUri = optionalString(body, 'client_uri');
  const scope = optionalString(body, 'scope');
  const firstWebOrigin = redirectUris
    .map(parseUrl)
    .find((url) => url?.protocol === 'https:' || url?.protocol === 'http:')?.origin;
  const name =
    optionalString(body, 'client_name') ??
    (firstWebOrigin ? new URL(firstWebOrigin).host : 'Unnamed app');

  const type: ClientType =
    method === 'none' ? publicTypeFor(redirectUris) : ('server' satisfies ClientType);
  const input = {
    name,
    domain: clientUri ?? firstWebOrigin ?? fallbackDomain,
    redirectUris,
    type,
  };
  const problems = checkClientInput(input);
  if (problems.redirectUris) throw invalidRedirectUriMetadata(problems.redirectUris);
  if (problems.name)
    throw invalidClientMetadata(problems.name.replace('Client Name', 'client_name'));
  if (problems.domain) throw invalidClientMetadata('client_uri must be an http(s) URL.');
  const metadata: ClientMetadata = {
    redirect_uris: redirectUris,
    token_endpoint_auth_method: method as TokenEndpointAuthMethod,
    grant_types: grantTypes,
    response_types: responseTypes,
    client_name: name.trim(),
    ...(clientUri === undefined ? {} : { client_uri: clientUri }),
    ...(scope === undefined ? {} : { scope }),
  };
  return { metadata, input: { ...input, name: name.trim(), profile: null, dataCentres: null } };
}

/** What a registration returns once (RFC 7591 §3.2.1): the secrets are not kept in plaintext. */
export interface DynamicRegistration {
  client: Client;
  metadata: ClientMetadata;
  clientSecret: string | undefined;
  registrationAccessToken: string;
}

/** Registers a client from parsed metadata (RFC 7591 §3.1). */
export async function registerDynamicClient(
  store: Store,
  parsed: ParsedClientMetadata,
  now: number,
): Promise<DynamicRegistration> {
  const secret = generateClientSecret();
  const registrationAccessToken = `${REGISTRATION_TOKEN_PREFIX}${generateOpaque(32)}`;
  const client = await store.createClient(
    {
      clientId: generateClientId(),
      secretHash: hashSecret(secret),
      name: parsed.input.name,
      domain: parsed.input.domain,
      type: parsed.input.type,
      redirectUris: parsed.input.redirectUris,
      ownerZuid: null,
      profile: null,
      registration: 'dynamic',
      registrationTokenHash: hashSecret(registrationAccessToken),
      clientMetadata: JSON.stringify(parsed.metadata),
    },
    now,
  );
  return {
    client,
    metadata: parsed.metadata,
    clientSecret: isPublicClient(client.type) ? undefined : secret,
    registrationAccessToken,
  };
}

/** The client information response (RFC 7591 §3.2.1, RFC 7592 §3). */
export function clientInformation(
  client: Client,
  metadata: ClientMetadata,
  extra: { clientSecret?: string | undefined; registrationAccessToken?: string; uri: string },
): Record<string, unknown> {
  return {
    client_id: client.clientId,
    ...(extra.clientSecret === undefined
      ? {}
      : { client_secret: extra.clientSecret, client_secret_expires_at: 0 }),
    client_id_issued_at: Math.floor(client.createdAt / 1000),
    ...metadata,
    ...(extra.registrationAccessToken === undefined
      ? {}
      : { registration_access_token: extra.registrationAccessToken }),
    registration_client_uri: extra.uri,
  };
}

/** Creates an initial access token for `--registration token`; the plaintext is returned once. */
export async function createRegistrationToken(
  store: Store,
  options: { label: string; now: number; lifetimeSeconds: number | null },
): Promise<{ token: string; registrationToken: RegistrationToken }> {
  const token = `${INITIAL_TOKEN_PREFIX}${generateOpaque(32)}`;
  const registrationToken: RegistrationToken = {
    label: options.label,
    createdAt: options.now,
    expiresAt:
      options.lifetimeSeconds === null ? null : options.now + options.lifetimeSeconds * 1000,
  };
  await store.createRegistrationToken({ ...registrationToken, tokenHash: hashSecret(token) });
  return { token, registrationToken };
}

/** Whether a presented initial access token is live. Lookup is by hash, so no timing leak. */
export async function verifyRegistrationToken(
  store: Store,
  presented: string,
  now: number,
): Promise<boolean> {
  if (!presented.startsWith(INITIAL_TOKEN_PREFIX) || presented.length > 200) return false;
  return (await store.findRegistrationToken(hashSecret(presented), now)) !== undefined;
}
