/**
 * The Store: typed, named operations for everything Tollgate keeps. One implementation
 * (Kysely) serves SQLite and PostgreSQL; a shared contract suite runs against both.
 * Every time is a Unix time in milliseconds passed in by the caller, so tests and emulation
 * control the clock. Secrets, codes and tokens arrive here already hashed.
 * The types of each area live in `types/` (accounts, grants, sessions, server keys, device codes); this file
 * re-exports them and assembles the `Store`.
 */
import type { AuditStore } from './types/audit.ts';
import type { AdminKeyStore, ClientStore, RegistrationStore, UserStore } from './types/accounts.ts';
import type { DeviceCodeStore } from './types/device-codes.ts';
import type { GrantStore } from './types/grants.ts';
import type { DpopProofStore, PushedRequestStore, SigningKeyStore } from './types/server-keys.ts';
import type { ConsentStore, CounterStore, JanitorStore, SessionStore } from './types/sessions.ts';

/** The SQL database behind a store; the few statements that differ (locks, DDL) branch on it. */
export type SqlDialect = 'sqlite' | 'postgres';

export type * from './types/accounts.ts';
export type * from './types/grants.ts';
export type * from './types/sessions.ts';
export type * from './types/server-keys.ts';
export type * from './types/device-codes.ts';
export type * from './types/audit.ts';

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
    RegistrationStore,
    DpopProofStore,
    AuditStore,
    JanitorStore {
  readonly sqlDialect: SqlDialect;
  /** Checks the database answers (fault recovery). */
  ping(): Promise<void>;
  /** Migrations this code knows that the database has not applied (for /health/ready). */
  pendingMigrations(): Promise<string[]>;
  /**
   * Hears every revocation of an access token (SPEC R15.6): those of this process at once, before
   * the revoking call returns; on PostgreSQL those of every other process too, through
   * LISTEN/NOTIFY. `listening(false)` says other processes' revocations may be missed now.
   * Returns a function that stops listening.
   */
  subscribeRevocations(listener: RevocationListener): () => Promise<void>;
  /**
   * Tells the listeners now, synchronously, if another process may have revoked a token since
   * the last call: on SQLite, when any other connection committed to the file (`PRAGMA
   * data_version`, e.g. `tollgate user disable` run beside the server); a no-op on PostgreSQL,
   * where NOTIFY does this. Token caches call it before the lookups of each batch of requests
   * (TokenCache.arrived), so revocation stays immediate with several processes on one SQLite
   * file.
   */
  pollRevocations(): void;
  /** The connections of the database pool now (metrics, SPEC R15.2). */
  poolStats(): PoolStats;
  close(): Promise<void>;
}

/** Told of revocations (SPEC R15.6); see `Store.subscribeRevocations`. */
export interface RevocationListener {
  /**
   * Some access token may have been revoked, or a client row written: forget every validated
   * token and every cached client.
   */
  revoked(): void;
  /** Whether revocations by other processes are heard now. */
  listening(up: boolean): void;
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
