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
  /** Home data centre (migration 005); null: the server's first. */
  dc: string | null;
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
  /** Migration 009: null, 'dynamic' (RFC 7591) or 'metadata-document'. */
  registration?: string | null;
  registration_token_hash?: string | null;
  access_token_format?: string | null;
  /** Migration 013: JSON object of RFC 7591 metadata (dynamic and metadata-document clients). */
  client_metadata?: string | null;
  /** JSON array of the data centres the client is enabled in (migration 005); null: all. */
  data_centres: string | null;
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
  /** Space-separated resource URIs (RFC 8707). */
  resources?: string | null;
  dpop_jkt?: string | null;
  /** OpenID Connect (migration 006-oidc). */
  nonce?: string | null;
  auth_time?: number | null;
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
  resources?: string | null;
  dpop_jkt?: string | null;
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
  /** Space-separated resource URIs the token is for (RFC 8707 audience). */
  audience?: string | null;
  dpop_jkt?: string | null;
}

export interface ConsentsTable {
  zuid: number;
  client_id: string;
  scopes: string;
  granted_at: number;
  updated_at: number;
  /** Last code exchange, refresh or token use, coarse (migration 008). */
  last_used_at: number | null;
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

export interface RegistrationTokensTable {
  token_hash: string;
  label: string;
  created_at: number;
  expires_at: number | null;
}

export interface PushedRequestsTable {
  uri_hash: string;
  client_id: string;
  /** JSON object of the pushed parameters. */
  params: string;
  expires_at: number;
  created_at: number;
}

/** A DPoP proof seen (RFC 9449 §11.1): SHA-256 of `jkt:jti`, kept until `expires_at`. */
export interface DpopProofsTable {
  proof_hash: string;
  expires_at: number;
}

/** A device code (SPEC R13.2, migration 010-device). */
export interface DeviceCodesTable {
  device_code_hash: string;
  user_code_hash: string;
  client_id: string;
  /** Space-separated. */
  scopes: string;
  offline: number;
  prompt_consent: number;
  data_centre: string;
  status: string;
  zuid: number | null;
  interval_ms: number;
  expires_at: number;
  created_at: number;
  last_polled_at: number | null;
}

/** One audit event (SPEC R15.3); `detail` is a JSON object without secrets. */
export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  type: string;
  outcome: string;
  zuid: number | null;
  client_id: string | null;
  actor: string | null;
  ip: string | null;
  detail: string;
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
  registration_tokens: RegistrationTokensTable;
  pushed_requests: PushedRequestsTable;
  device_codes: DeviceCodesTable;
  dpop_proofs: DpopProofsTable;
  audit_events: AuditEventsTable;
}

// ---- SalesIQ-style API data (migration 003-salesiq) ----

export interface SalesIqPortalsTable {
  id: Generated<number>;
  /** Lower case; unique. */
  screen_name: string;
  name: string;
  created_at: number;
}

export interface SalesIqOperatorsTable {
  id: Generated<number>;
  portal_id: number;
  zuid: number | null;
  name: string;
  nick_name: string;
  email: string;
  role: string;
  status: string;
  created_at: number;
}

export interface SalesIqDepartmentsTable {
  id: Generated<number>;
  portal_id: number;
  name: string;
  description: string;
  is_public: number;
  /** JSON array of operator ids. */
  operator_ids: string;
  created_at: number;
}

export interface SalesIqVisitorsTable {
  id: Generated<number>;
  portal_id: number;
  name: string;
  email: string;
  phone: string;
  city: string;
  country: string;
  browser: string;
  os: string;
  ip: string;
  first_visit_at: number;
  last_visit_at: number;
  visits: number;
}

export interface SalesIqConversationsTable {
  id: Generated<number>;
  portal_id: number;
  reference_id: number;
  question: string;
  status: string;
  visitor_id: number;
  department_id: number | null;
  operator_id: number | null;
  start_time: number;
  end_time: number | null;
}

export interface SalesIqMessagesTable {
  id: Generated<number>;
  conversation_id: number;
  sender_type: string;
  sender_id: number | null;
  sender_name: string;
  text: string;
  time: number;
}

/** Merged into the Database interface above (TypeScript declaration merging). */
export interface Database {
  salesiq_portals: SalesIqPortalsTable;
  salesiq_operators: SalesIqOperatorsTable;
  salesiq_departments: SalesIqDepartmentsTable;
  salesiq_visitors: SalesIqVisitorsTable;
  salesiq_conversations: SalesIqConversationsTable;
  salesiq_messages: SalesIqMessagesTable;
}

// ---- Signing keys (migration 006-signing-keys) ----

export interface SigningKeysTable {
  kid: string;
  alg: string;
  /** JSON of the public JWK. */
  public_jwk: string;
  /** JSON of the private JWK. */
  private_jwk: string;
  created_at: number;
}

/** Merged into the Database interface above (TypeScript declaration merging). */
export interface Database {
  signing_keys: SigningKeysTable;
}
