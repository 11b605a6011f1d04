/**
 * The Store: typed, named operations for everything Tollgate keeps. One implementation
 * (Kysely) serves SQLite and PostgreSQL; a shared contract suite runs against both.
 * Every time is a Unix time in milliseconds passed in by the caller, so tests and emulation
 * control the clock. Secrets, codes and tokens arrive here already hashed.
 */
import type { WireProfile } from '@tollgate/resource';

/** The SQL database behind a store; the few statements that differ (locks, DDL) branch on it. */
export type SqlDialect = 'sqlite' | 'postgres';

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

export interface AuthorizationCode {
  codeHash: string;
  clientId: string;
  zuid: number;
  scopes: string[];
  /** The redirect URI of the authorization request; null for self-client codes. */
  redirectUri: string | null;
  /** Whether the exchange issues a refresh token (SPEC R5.1). */
  offline: boolean;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  state: string | null;
  expiresAt: number;
  createdAt: number;
  description: string | null;
  /** Resource indicators of the request (RFC 8707); none when absent or empty. */
  resources?: string[];
  /** The DPoP key the code is bound to (RFC 9449 §10), or null. */
  dpopJkt?: string | null;
  /** OpenID Connect: the request's `nonce`, for the ID token (SPEC R13.3). */
  nonce?: string | null;
  /** OpenID Connect: when the person signed in, Unix milliseconds (`auth_time`). */
  authTime?: number | null;
}

/**
 * What the caller decides about a consumed code, inside `redeemCode`'s transaction: issue these
 * tokens (the code supplies client, user, scopes and its hash), or refuse with a reason of its own.
 */
export type RedeemCodeDecision<R> =
  | {
      issue: {
        access: {
          tokenHash: string;
          expiresAt: number;
          audience?: string[];
          dpopJkt?: string | null;
        };
        refresh: NewRefreshToken | null;
        refreshTokenCap: number;
        /** Past the cap: evict the oldest (default) or refuse the new one (SPEC R12.4). */
        refreshTokenOverflow?: 'evict' | 'refuse';
      };
    }
  | { refuse: R };

export interface RedeemCodeInput<R> {
  codeHash: string;
  now: number;
  /** Checks the code against the token request (client, expiry, redirect URI, PKCE); no I/O. */
  decide(code: AuthorizationCode): RedeemCodeDecision<R>;
}

/** What `redeemCode` did; `replayed` means the code was consumed before (RFC 6749 §4.1.2). */
export type RedeemCodeResult<R> =
  | { outcome: 'issued'; code: AuthorizationCode; refreshTokenId: number | null; evicted: number }
  | { outcome: 'refused'; code: AuthorizationCode; reason: R }
  /** The user already holds the cap of refresh tokens and the overflow policy is `refuse`. */
  | { outcome: 'refresh-cap-reached'; code: AuthorizationCode }
  | { outcome: 'replayed'; code: AuthorizationCode }
  | { outcome: 'unknown' }
  | { outcome: 'grant-revoked'; reason: 'client-deleted-or-user-disabled' };

export type ConsumeCodeResult =
  | { outcome: 'consumed'; code: AuthorizationCode }
  | { outcome: 'replayed'; code: AuthorizationCode }
  | { outcome: 'unknown' };

export interface RefreshToken {
  id: number;
  clientId: string;
  zuid: number;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  /** Set when a public client's token was rotated; reusing it revokes the family. */
  rotatedAt: number | null;
  familyId: string;
  /** The resources granted (RFC 8707): a refresh may narrow the audience to some of them. */
  resources: string[];
  /** The DPoP key the token is bound to (RFC 9449 §5), or null. */
  dpopJkt: string | null;
}

/** A refresh token to write beside an access token. */
export interface NewRefreshToken {
  tokenHash: string;
  familyId: string;
  resources?: string[];
  dpopJkt?: string | null;
}

export interface AccessTokenInfo {
  clientId: string;
  zuid: number;
  scopes: string[];
  expiresAt: number;
  refreshTokenId: number | null;
  /** The resources the token is for (RFC 8707); empty: not audience-restricted. */
  audience: string[];
  /** The DPoP key thumbprint the token is bound to (RFC 9449 `cnf.jkt`), or null. */
  dpopJkt: string | null;
}

export interface NewAccessToken {
  tokenHash: string;
  clientId: string;
  zuid: number;
  scopes: string[];
  expiresAt: number;
  refreshTokenId: number | null;
  codeHash: string | null;
  /** RFC 8707 audience; none: not audience-restricted. */
  audience?: string[];
  /** RFC 9449 `cnf.jkt`. */
  dpopJkt?: string | null;
}

export interface IssueTokensInput {
  now: number;
  access: Omit<NewAccessToken, 'refreshTokenId'>;
  /** The refresh token to issue with it, if any. */
  refresh: NewRefreshToken | null;
  /** Cap on live refresh tokens per user and client; the oldest beyond it are evicted. */
  refreshTokenCap: number;
  /** Past the cap: evict the oldest (default) or refuse the new one (SPEC R12.4). */
  refreshTokenOverflow?: 'evict' | 'refuse';
}

/**
 * Why tokens were not written: the client was deleted or the user disabled (SPEC R2), or the code
 * was revoked by a replay (RFC 6749 §4.1.2), while the request ran. The grant answers
 * `invalid_grant`.
 */
export type GrantRevokedReason = 'client-deleted-or-user-disabled' | 'code-revoked';

/** What `issueTokens` did; `evicted` counts the refresh tokens removed by the cap (SPEC R5.2). */
export type IssueTokensResult =
  | { outcome: 'issued'; refreshTokenId: number | null; evicted: number }
  | { outcome: 'refresh-cap-reached' }
  | { outcome: 'grant-revoked'; reason: GrantRevokedReason };

/** What `saveAccessToken` did (client credentials, SPEC R4.6). */
export type SaveAccessTokenResult =
  | { outcome: 'saved' }
  | {
      outcome: 'grant-revoked';
      reason: Extract<GrantRevokedReason, 'client-deleted-or-user-disabled'>;
    };

export interface MintAccessTokenInput {
  now: number;
  refreshTokenHash: string;
  clientId: string;
  access: { tokenHash: string; expiresAt: number; audience?: string[]; dpopJkt?: string | null };
  /** Cap on live access tokens per refresh token; the oldest beyond it are invalidated. */
  accessTokenCap: number;
  /** Throttle: at most `limit` mints per refresh token per window, or null for none. */
  throttle: { limit: number; windowMs: number } | null;
  /** For public clients: rotate the refresh token to this new one (RFC 9700 §4.14). */
  rotateTo: string | null;
}

export type MintAccessTokenResult =
  | { outcome: 'minted'; refreshToken: RefreshToken }
  | { outcome: 'unknown' }
  | { outcome: 'throttled'; retryAfterMs: number }
  | { outcome: 'reused-rotated' };

export interface Consent {
  zuid: number;
  clientId: string;
  scopes: string[];
  grantedAt: number;
  updatedAt: number;
}

export interface ConnectedApp {
  client: Client;
  scopes: string[];
  grantedAt: number;
  lastUsedAt: number | null;
  liveRefreshTokens: number;
}

export interface Session {
  zuid: number;
  expiresAt: number;
  createdAt: number;
}

export interface CounterResult {
  count: number;
  /** When the current window ends. */
  resetAt: number;
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

/** Authorization codes: saved hashed, consumed once (SPEC R4.2-R4.4). */
export interface CodeStore {
  saveCode(code: AuthorizationCode): Promise<void>;
  /** A code without consuming it (to tell which data centre it belongs to, SPEC R13.1). */
  findCode(codeHash: string): Promise<AuthorizationCode | undefined>;
  /**
   * Marks a code used, in one conditional statement: the first caller gets `consumed`,
   * every later one `replayed` (RFC 6749 §4.1.2). Expiry is the caller's check.
   */
  consumeCode(codeHash: string, now: number): Promise<ConsumeCodeResult>;
  /**
   * The code exchange in one transaction under the grant lock: consume the code, let the caller
   * decide, and issue its tokens. There is no moment between consuming and issuing, so a replay
   * racing the first exchange (another instance, or the client's own retry) waits for it and then
   * revokes what it issued: exactly one exchange answers with tokens (SECURITY.md, issue 18).
   * A refused or revoked exchange still burns the code.
   */
  redeemCode<R>(input: RedeemCodeInput<R>): Promise<RedeemCodeResult<R>>;
  /** Revokes every token issued from a code (replay defence). Returns how many were revoked. */
  revokeTokensFromCode(codeHash: string): Promise<number>;
}

/** Access and refresh tokens with their caps, rotation and revocation (SPEC R4-R5). */
export interface TokenStore {
  /**
   * Issues an access token and, optionally, a refresh token, enforcing the refresh-token cap;
   * writes nothing (`grant-revoked`) when the grant ended meanwhile.
   */
  issueTokens(input: IssueTokensInput): Promise<IssueTokensResult>;
  /** The refresh grant: throttle, rotation and the access-token cap, in one transaction. */
  mintAccessToken(input: MintAccessTokenInput): Promise<MintAccessTokenResult>;
  /** Issues a standalone access token (client credentials), unless the grant ended meanwhile. */
  saveAccessToken(token: NewAccessToken, now: number): Promise<SaveAccessTokenResult>;
  findAccessToken(tokenHash: string): Promise<AccessTokenInfo | undefined>;
  findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined>;
  /**
   * Zoho's incremental authorization (SPEC R13.5): adds scopes to a live refresh token of the
   * client; false when it is gone (revoked, evicted, client deleted).
   */
  addRefreshTokenScopes(
    refreshTokenId: number,
    clientId: string,
    scopes: readonly string[],
  ): Promise<boolean>;
  /** Revokes a refresh token (with its access tokens) or an access token. */
  revokeToken(tokenHash: string, clientId?: string): Promise<'refresh' | 'access' | 'unknown'>;
  countLiveRefreshTokens(zuid: number, clientId: string): Promise<number>;
  countLiveAccessTokens(refreshTokenId: number, now: number): Promise<number>;
}

/** Everything the grants read and write: codes and the tokens issued from them. */
export interface GrantStore extends CodeStore, TokenStore {}

export interface ConsentStore {
  findConsent(zuid: number, clientId: string): Promise<Consent | undefined>;
  /** Adds scopes to the user's grant to the client; returns whether this is the first consent. */
  recordConsent(
    zuid: number,
    clientId: string,
    scopes: string[],
    now: number,
  ): Promise<{ first: boolean }>;
  /**
   * Notes that the user's grant to the client was just used (code exchange, refresh, token use),
   * unless a use at or after `now` is already recorded. One conditional update; callers keep it
   * coarse (see `ServerContext.recordUse`).
   */
  recordGrantUse(zuid: number, clientId: string, now: number): Promise<void>;
  listConnectedApps(zuid: number): Promise<ConnectedApp[]>;
  /** Revokes every token of the user for the client and forgets the consent. */
  removeConnectedApp(zuid: number, clientId: string): Promise<boolean>;
}

export interface SessionStore {
  createSession(idHash: string, session: Session): Promise<void>;
  findSession(idHash: string, now: number): Promise<Session | undefined>;
  deleteSession(idHash: string): Promise<void>;
}

export interface CounterStore {
  /**
   * Adds one to a fixed-window counter in one conditional statement and returns the new count.
   * Used by every throttle, so limits hold across instances sharing a database (SPEC R5.6).
   */
  hitCounter(key: string, windowMs: number, now: number): Promise<CounterResult>;
  peekCounter(key: string, now: number): Promise<CounterResult>;
  resetCounter(key: string): Promise<void>;
}

/** The tables the janitor sweeps (SPEC R15.1). */
export type SweptTable =
  | 'auth_codes'
  | 'access_tokens'
  | 'sessions'
  | 'counters'
  | 'device_codes'
  | 'pushed_requests'
  | 'audit_events';

/** How long audit events are kept by default (SPEC R15.3): 90 days. */
export const DEFAULT_AUDIT_RETENTION_MS = 90 * 24 * 3600_000;

/** What one janitor pass did; `busy` means another instance holds the janitor lock. */
export type SweepResult =
  { outcome: 'swept'; deleted: Record<SweptTable, number> } | { outcome: 'busy' };

export interface JanitorStore {
  /**
   * Deletes codes and device codes long expired (kept an hour past expiry for replay detection
   * and the device's `expired` answer), expired access tokens and sessions, and throttle counters whose window has ended, in batches of at most
   * `batchSize` (<= 1,000) rows a statement. One instance at a time (SPEC R15.1).
   */
  sweepExpired(now: number, batchSize?: number, auditRetentionMs?: number): Promise<SweepResult>;
}

/** What an audit event records (SPEC R15.3). */
export type AuditEventType =
  | 'sign_in'
  | 'consent'
  | 'client_created'
  | 'client_rotated'
  | 'client_deleted'
  | 'token_revoked'
  | 'app_removed'
  | 'admin_key_used';

/** Every audit event type, in a stable order (validation of filters, docs). */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
  'sign_in',
  'consent',
  'client_created',
  'client_rotated',
  'client_deleted',
  'token_revoked',
  'app_removed',
  'admin_key_used',
];

/** One security-relevant event; never a secret or a token, only ids and hashes. */
export interface AuditEventInput {
  at: number;
  type: AuditEventType;
  outcome: 'success' | 'failure';
  /** The person the event is about, when known. */
  zuid: number | null;
  clientId: string | null;
  /** Who did it: `user:<zuid>`, `admin-key:<id>`, `client:<client_id>` or `cli`. */
  actor: string | null;
  ip: string | null;
  /** Small facts about the event (a reason, a route, a hashed email). */
  detail: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditEvent extends AuditEventInput {
  id: number;
}

/** Which events to list, newest first. */
export interface AuditQuery {
  /** Only events at or after this time. */
  since?: number;
  /** Only events about this person. */
  zuid?: number;
  types?: readonly AuditEventType[];
  limit: number;
}

export interface AuditStore {
  recordAuditEvent(event: AuditEventInput): Promise<void>;
  /** Newest first, one indexed query (by time, or by person and time). */
  listAuditEvents(query: AuditQuery): Promise<AuditEvent[]>;
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

/** A JSON Web Key as stored (RFC 7517): its members, without interpretation by the store. */
export type StoredJwk = Readonly<Record<string, string>>;

/** A key that signs ID tokens (SPEC R13.3) and JWT access tokens (R14.8). */
export interface SigningKey {
  /** Key id (RFC 7638 thumbprint of the public key), the `kid` of the JWS header and the JWKS. */
  kid: string;
  alg: 'RS256';
  publicJwk: StoredJwk;
  privateJwk: StoredJwk;
  createdAt: number;
}

/** Signing keys, kept in the store so every instance signs with and publishes the same keys. */
export interface SigningKeyStore {
  /** Adds a key (key rotation). */
  addSigningKey(key: SigningKey): Promise<void>;
  /** Adds the key only when the store has none yet (first start); returns whether it did. */
  addFirstSigningKey(key: SigningKey): Promise<boolean>;
  /** Every key, newest first. */
  listSigningKeys(): Promise<SigningKey[]>;
}

/** A pushed authorization request (RFC 9126): its parameters, kept until used once or expired. */
export interface PushedRequest {
  /** The SHA-256 of the `request_uri` handed to the client. */
  uriHash: string;
  clientId: string;
  /** The authorization parameters, as pushed (`resource` may repeat). */
  params: [string, string][];
  expiresAt: number;
  createdAt: number;
}

export type TakePushedRequestResult =
  { outcome: 'taken'; request: PushedRequest } | { outcome: 'expired' } | { outcome: 'unknown' };

/** Pushed authorization requests (RFC 9126, SPEC R14.6). */
export interface PushedRequestStore {
  savePushedRequest(request: PushedRequest): Promise<void>;
  /** A live pushed request, left in place (the person may still have to sign in). */
  findPushedRequest(uriHash: string, now: number): Promise<PushedRequest | undefined>;
  /**
   * Takes a request out in one conditional statement: the first caller gets it, any later one
   * `unknown` (a `request_uri` is used once); an expired one is deleted and reported `expired`.
   */
  takePushedRequest(uriHash: string, now: number): Promise<TakePushedRequestResult>;
}

/** Where a device code stands (SPEC R13.2): `ended` after too many wrong user codes. */
export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'ended';

/** A device authorization request (RFC 8628 §3.2, SPEC R13.2); both codes arrive hashed. */
export interface DeviceCode {
  deviceCodeHash: string;
  userCodeHash: string;
  clientId: string;
  scopes: string[];
  /** `access_type=offline`: the tokens include a refresh token (SPEC R5.1). */
  offline: boolean;
  /** `prompt=consent`: ask even when consent is remembered. */
  promptConsent: boolean;
  /** The data centre the device asked at (SPEC R13.1). */
  dataCentre: string;
  status: DeviceCodeStatus;
  /** The person who approved or denied it, once one did. */
  zuid: number | null;
  /** The least time between two polls. */
  intervalMs: number;
  expiresAt: number;
  createdAt: number;
  lastPolledAt: number | null;
}

/** What `pollDeviceCode` did: `too-soon` means polled again within the gap (slow_down). */
export type PollDeviceCodeResult =
  | { outcome: 'polled'; deviceCode: DeviceCode }
  | { outcome: 'too-soon'; deviceCode: DeviceCode }
  | { outcome: 'unknown' };

/**
 * What the person (or the wrong-tries limit) decided: approve with the authorization code the
 * tokens come from (its hash derived from the device code), deny, or end the device code.
 */
export type DeviceCodeSettlement =
  { approve: AuthorizationCode } | { deny: { zuid: number } } | { end: true };

export type SettleDeviceCodeResult =
  | { outcome: 'settled'; deviceCode: DeviceCode }
  /** Already approved, denied, ended, or expired: nothing was changed. */
  | { outcome: 'not-pending'; deviceCode: DeviceCode }
  | { outcome: 'unknown' };

/** Device codes (RFC 8628, SPEC R13.2). */
export interface DeviceCodeStore {
  saveDeviceCode(code: DeviceCode): Promise<void>;
  /** A device code by the hash of its user code (the verification page), whatever its status. */
  findDeviceCodeByUserCode(userCodeHash: string): Promise<DeviceCode | undefined>;
  /**
   * Records a poll by the device code's own client in one conditional statement: `too-soon`
   * (and nothing recorded) when the last recorded poll was less than `minGapMs` ago, so two
   * instances cannot both let one in. Another client's device code is `unknown`.
   */
  pollDeviceCode(
    deviceCodeHash: string,
    clientId: string,
    now: number,
    minGapMs: number,
  ): Promise<PollDeviceCodeResult>;
  /**
   * Settles a pending, unexpired device code in one transaction (an approval writes its
   * authorization code too); a second settlement finds it `not-pending`.
   */
  settleDeviceCode(
    deviceCodeHash: string,
    now: number,
    settlement: DeviceCodeSettlement,
  ): Promise<SettleDeviceCodeResult>;
}

/**
 * The authorization server's store. The SalesIQ-style API keeps its data beside it in the same
 * database, through its own `SalesIqStore` (`salesIqStoreFor(store)`), so a backend of this
 * interface owes nothing to the demo API.
 */
export interface Store
  extends
    UserStore,
    ClientStore,
    GrantStore,
    ConsentStore,
    SessionStore,
    CounterStore,
    AdminKeyStore,
    SigningKeyStore,
    PushedRequestStore,
    DeviceCodeStore,
    AuditStore,
    JanitorStore {
  readonly sqlDialect: SqlDialect;
  /** Checks the database answers (fault recovery). */
  ping(): Promise<void>;
  /** Migrations this code knows that the database has not applied (for /health/ready). */
  pendingMigrations(): Promise<string[]>;
  /** The connections of the database pool now (metrics, SPEC R15.2). */
  poolStats(): PoolStats;
  close(): Promise<void>;
}

/**
 * A store's database connections. PostgreSQL reports its pool; SQLite has one connection, which
 * is busy only inside a synchronous call, so it reports one connection, none in use, no waiters.
 */
export interface PoolStats {
  /** Connections the pool may open. */
  size: number;
  /** Connections checked out by a query or transaction now. */
  inUse: number;
  /** Callers waiting for a connection. */
  waiting: number;
}
