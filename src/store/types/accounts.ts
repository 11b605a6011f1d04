/**
 * Store types for who uses Tollgate: users, registered clients (and their dynamic registration),
 * and operators' admin keys.
 */
import type { WireProfile } from '@tollgate/resource';
import type { AccessTokenInfo } from './grants.ts';
import type { CounterResult } from './sessions.ts';

export type ClientType = 'server' | 'client' | 'mobile' | 'self';

export interface User {
  zuid: number;
  email: string;
  firstName: string;
  lastName: string;
  displayName: string;
  disabled: boolean;
  createdAt: number;
  /** Home data centre (SPEC R13.1); null: the server's first. */
  dc: string | null;
}

/**
 * An access token read together with its user in one statement (SPEC R16): `user` is undefined
 * when the user row is gone.
 */
export interface AccessTokenWithUser extends AccessTokenInfo {
  user: User | undefined;
}

export interface NewUser {
  email: string;
  passwordHash: string;
  firstName: string;
  lastName: string;
  displayName: string;
  /** Home data centre (SPEC R13.1); default: the server's first. */
  dc?: string | null;
}

/**
 * What `createUser` did. An email already in use is an answer, not a failure: the caller words
 * it for its own audience (CLI line, testing helper).
 */
export type CreateUserResult = { outcome: 'created'; user: User } | { outcome: 'email-taken' };

export interface Client {
  clientId: string;
  name: string;
  domain: string;
  type: ClientType;
  redirectUris: string[];
  ownerZuid: number | null;
  /** The wire profile the client was registered with, or null for the server's default. */
  profile: WireProfile | null;
  /** The data centres the client is enabled in ("Multi DC", SPEC R13.1); null: all. */
  dataCentres: string[] | null;
  createdAt: number;
  /** How it was registered: by a person (null), RFC 7591 (`dynamic`), or a metadata document. */
  registration: ClientRegistration | null;
  /** RFC 9068: this client's access-token format, or null for the server's default. */
  accessTokenFormat: AccessTokenFormat | null;
}

export type ClientRegistration = 'dynamic' | 'metadata-document';
export type AccessTokenFormat = 'opaque' | 'jwt';

export interface NewClient extends Omit<
  Client,
  'createdAt' | 'registration' | 'accessTokenFormat' | 'dataCentres'
> {
  secretHash: string;
  registration?: ClientRegistration | null;
  /** RFC 7592: the hash of the registration access token (dynamic clients). */
  registrationTokenHash?: string | null;
  accessTokenFormat?: AccessTokenFormat | null;
  dataCentres?: string[] | null;
  /** JSON object of the client's RFC 7591 metadata (dynamic and metadata-document clients). */
  clientMetadata?: string | null;
}

export interface ClientUpdate {
  name?: string;
  domain?: string;
  redirectUris?: string[];
  type?: ClientType;
  accessTokenFormat?: AccessTokenFormat | null;
  /** The data centres the client is enabled in; null: all. */
  dataCentres?: string[] | null;
  /** JSON object of the client's RFC 7591 metadata (RFC 7592 update). */
  clientMetadata?: string | null;
}

export interface UserStore {
  /** Creates a user with a fresh ZUID (SPEC R1), assigned here as an autoincrement would be. */
  createUser(user: NewUser, now: number): Promise<CreateUserResult>;
  findUserByEmail(email: string): Promise<(User & { passwordHash: string }) | undefined>;
  findUser(zuid: number): Promise<User | undefined>;
  /**
   * An access token by hash with its user, in one read (user info, SPEC R16); undefined when the
   * token is unknown.
   */
  findAccessTokenWithUser(tokenHash: string): Promise<AccessTokenWithUser | undefined>;
  listUsers(): Promise<User[]>;
  setUserDisabled(zuid: number, disabled: boolean): Promise<boolean>;
  setUserPassword(zuid: number, passwordHash: string): Promise<boolean>;
}

export interface ClientStore {
  createClient(client: NewClient, now: number): Promise<Client>;
  findClient(clientId: string): Promise<(Client & { secretHash: string }) | undefined>;
  /**
   * Client authentication's read with throttles on (SPEC R5.6, R16): the client (none for an
   * undefined id) and the count of its throttle key, in one statement where the store can.
   */
  findClientForAuth(
    clientId: string | undefined,
    counterKey: string,
    now: number,
  ): Promise<{ client: (Client & { secretHash: string }) | undefined; throttle: CounterResult }>;
  listClients(ownerZuid?: number): Promise<Client[]>;
  updateClient(clientId: string, update: ClientUpdate): Promise<Client | undefined>;
  rotateClientSecret(clientId: string, secretHash: string): Promise<boolean>;
  /** Deletes the client with every code, token and consent it holds, in one transaction. */
  deleteClient(clientId: string): Promise<boolean>;
}

/** An operator's key for the admin JSON API; only its hash is stored (SPEC R1). */
export interface AdminKey {
  id: string;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface AdminKeyStore {
  createAdminKey(key: AdminKey & { keyHash: string }): Promise<void>;
  /** Finds a key by its hash and records that it was used. */
  useAdminKey(keyHash: string, now: number): Promise<AdminKey | undefined>;
}

/** An initial access token for dynamic registration (RFC 7591 §3); only its hash is stored. */
export interface RegistrationToken {
  label: string;
  createdAt: number;
  /** When it stops working, or null: never. */
  expiresAt: number | null;
}

/** What RFC 7592 reads of a registered client: the client, its token hash and its metadata. */
export interface ClientRegistrationRecord {
  client: Client;
  /** The hash of the registration access token; null for clients made by a person. */
  registrationTokenHash: string | null;
  /** JSON object of the metadata as registered, or null. */
  clientMetadata: string | null;
}

/** Dynamic registration (RFC 7591, RFC 7592) and metadata-document clients (SPEC R14.3, R14.4). */
export interface RegistrationStore {
  createRegistrationToken(token: RegistrationToken & { tokenHash: string }): Promise<void>;
  /** A live initial access token by its hash (expired ones are not found). */
  findRegistrationToken(tokenHash: string, now: number): Promise<RegistrationToken | undefined>;
  findClientRegistration(clientId: string): Promise<ClientRegistrationRecord | undefined>;
  /**
   * Writes a metadata-document client (its `client_id` is its document's URL) in one statement:
   * created the first time, its name, redirect URIs and metadata replaced later. A client made
   * otherwise is never touched. Returns the client as stored, or undefined if the id is taken.
   */
  saveMetadataDocumentClient(client: NewClient, now: number): Promise<Client | undefined>;
}
