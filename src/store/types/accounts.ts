/** Store types for who uses Tollgate: users, registered clients and operators' admin keys. */
import type { WireProfile } from '@tollgate/resource';

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
}

export interface ClientUpdate {
  name?: string;
  domain?: string;
  redirectUris?: string[];
  type?: ClientType;
  accessTokenFormat?: AccessTokenFormat | null;
  /** The data centres the client is enabled in; null: all. */
  dataCentres?: string[] | null;
}

export interface UserStore {
  /** Creates a user with a fresh ZUID (SPEC R1), assigned here as an autoincrement would be. */
  createUser(user: NewUser, now: number): Promise<CreateUserResult>;
  findUserByEmail(email: string): Promise<(User & { passwordHash: string }) | undefined>;
  findUser(zuid: number): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  setUserDisabled(zuid: number, disabled: boolean): Promise<boolean>;
  setUserPassword(zuid: number, passwordHash: string): Promise<boolean>;
}

export interface ClientStore {
  createClient(client: NewClient, now: number): Promise<Client>;
  findClient(clientId: string): Promise<(Client & { secretHash: string }) | undefined>;
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
