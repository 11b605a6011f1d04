/**
 * The Store on Kysely, for SQLite (better-sqlite3) and PostgreSQL (pg): one object assembled from
 * one section per area of the Store (users.ts, clients.ts, codes.ts, tokens.ts, consents.ts,
 * sessions.ts, counters.ts, admin-keys.ts, signing-keys.ts, pushed-requests.ts,
 * device-codes.ts, janitor.ts), all over the same database. Atomic
 * rules are single conditional statements or transactions; locks.ts says how PostgreSQL
 * serialises them.
 */
import { sql, type Kysely } from 'kysely';
import type { PoolStats, SqlDialect, Store } from '../types.ts';
import { createAdminKeyStore } from './admin-keys.ts';
import { createAuditStore } from './audit.ts';
import { revocationSignals, type ListenTarget } from './revocations.ts';
import type { HotReads } from './hot-reads.ts';
import type { HotSql } from './hot-sql.ts';
import { grantWriter } from './group-commit.ts';
import { createClientStore } from './clients.ts';
import { createCodeStore } from './codes.ts';
import { createConsentStore } from './consents.ts';
import type { SectionContext } from './context.ts';
import { createCounterStore } from './counters.ts';
import { createDeviceCodeStore } from './device-codes.ts';
import { createJanitorStore } from './janitor.ts';
import type { Database } from './schema.ts';
import { pendingMigrations } from '../migrations/index.ts';
import { createSessionStore } from './sessions.ts';
import { createSigningKeyStore } from './signing-keys.ts';
import { createPushedRequestStore } from './pushed-requests.ts';
import { createRegistrationStore } from './registration.ts';
import { createDpopProofStore } from './dpop-proofs.ts';
import { createTokenStore } from './tokens.ts';
import { createUserStore } from './users.ts';

/** A Store built by `createKyselyStore`, whose database the SalesIQ store and tests reach. */
export interface KyselyStore extends Store {
  readonly db: Kysely<Database>;
  /** The executor of the hot write transactions (grant-writes.ts), for tests. */
  readonly hotSql: HotSql;
}

const kyselyStores = new WeakSet<Store>();

/** What the driver adds beyond Kysely (open-store.ts builds them). */
export interface StoreExtras {
  /** PostgreSQL: where to LISTEN for other instances' revocations (SPEC R15.6). */
  listen?: ListenTarget;
  /** SQLite: whether another connection committed since the last call (SPEC R15.6). */
  changedElsewhere?: () => boolean;
  /** The hot-path reads without the query builder (SPEC R16). */
  hot?: HotReads;
  /** The executor of the hot write transactions (SPEC R16). */
  hotSql: HotSql;
  /** Run concurrent refreshes and code exchanges in one transaction (default true). */
  groupCommit?: boolean;
}

/** Whether a Store was built by `createKyselyStore`, so its database can be shared. */
export function isKyselyStore(store: Store): store is KyselyStore {
  return kyselyStores.has(store);
}

/**
 * Group-commit batches that may run at once on PostgreSQL, each on a pooled connection (of 10 by
 * default), so one batch's round trips and fsync do not hold up every other grant's.
 */
const POSTGRES_GROUP_COMMIT_LANES = 4;

/** SQLite's one connection, never held across an await (better-sqlite3 is synchronous). */
const SQLITE_POOL: PoolStats = Object.freeze({ size: 1, inUse: 0, waiting: 0 });

/**
 * Builds the Store over a migrated database; closing it destroys the database's pool.
 * `poolStats` reads the PostgreSQL pool (default: SQLite's one connection).
 */
export function createKyselyStore(
  db: Kysely<Database>,
  sqlDialect: SqlDialect,
  poolStats: () => PoolStats = () => SQLITE_POOL,
  extras: StoreExtras,
): KyselyStore {
  const { listen, changedElsewhere, hot, hotSql } = extras;
  const writes = grantWriter(hotSql, {
    groupCommit: extras.groupCommit ?? true,
    lanes: sqlDialect === 'postgres' ? POSTGRES_GROUP_COMMIT_LANES : 1,
  });
  const context: SectionContext = { db, sqlDialect, hotSql, writes, ...(hot ? { hot } : {}) };
  const base: Omit<KyselyStore, 'subscribeRevocations' | 'pollRevocations'> = {
    sqlDialect,
    db,
    hotSql,
    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },
    async pendingMigrations(): Promise<string[]> {
      return pendingMigrations(db, sqlDialect);
    },
    poolStats,
    close(): Promise<void> {
      return db.destroy();
    },
    ...createUserStore(context),
    ...createClientStore(context),
    ...createCodeStore(context),
    ...createTokenStore(context),
    ...createConsentStore(context),
    ...createSessionStore(context),
    ...createCounterStore(context),
    ...createAdminKeyStore(context),
    ...createSigningKeyStore(context),
    ...createPushedRequestStore(context),
    ...createDeviceCodeStore(context),
    ...createRegistrationStore(context),
    ...createDpopProofStore(context),
    ...createAuditStore(context),
    ...createJanitorStore(context),
  };
  const store: KyselyStore = {
    ...base,
    ...revocationSignals(base, db, sqlDialect, listen, changedElsewhere),
  };
  kyselyStores.add(store);
  return store;
}
