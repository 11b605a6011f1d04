/** Row types of the database, shared by SQLite and PostgreSQL. Times are Unix milliseconds. */
import type { Generated } from 'kysely';

export interface UsersTable {
  zuid: number;
  email: string;
  password_hash: string;
  first_name: string;
  last_name: string;
  display_name: string;
  disabled: number;
  created_at: number;
}

export interface ClientsTable {
  client_id: string;
  secret_hash: string;
  name: string;
  domain: string;
  type: string;
  /** JSON array of strings. */
  redirect_uris: string;
  owner_zuid: number | null;
  profile: string | null;
  created_at: number;
}

export interface AuthCodesTable {
  code_hash: string;
  client_id: string;
  zuid: number;
  /** Space-separated. */
  scopes: string;
  redirect_uri: string | null;
  offline: number;
  code_challenge: string | null;
  code_challenge_method: string | null;
  state: string | null;
  description: string | null;
  expires_at: number;
  created_at: number;
  consumed_at: number | null;
}

export interface RefreshTokensTable {
  id: Generated<number>;
  token_hash: string;
  client_id: string;
  zuid: number;
  scopes: string;
  family_id: string;
  code_hash: string | null;
  created_at: number;
  last_used_at: number | null;
  rotated_at: number | null;
}

export interface AccessTokensTable {
  id: Generated<number>;
  token_hash: string;
  client_id: string;
  zuid: number;
  scopes: string;
  expires_at: number;
  refresh_token_id: number | null;
  code_hash: string | null;
  created_at: number;
}

export interface ConsentsTable {
  zuid: number;
  client_id: string;
  scopes: string;
  granted_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id_hash: string;
  zuid: number;
  created_at: number;
  expires_at: number;
}

export interface CountersTable {
  key: string;
  window_end: number;
  count: number;
}

export interface AdminKeysTable {
  id: string;
  key_hash: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
}

export interface Database {
  users: UsersTable;
  clients: ClientsTable;
  auth_codes: AuthCodesTable;
  refresh_tokens: RefreshTokensTable;
  access_tokens: AccessTokensTable;
  consents: ConsentsTable;
  sessions: SessionsTable;
  counters: CountersTable;
  admin_keys: AdminKeysTable;
}
