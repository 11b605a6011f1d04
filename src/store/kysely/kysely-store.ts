/**
 * The Store on Kysely, for SQLite (better-sqlite3) and PostgreSQL (pg): one object assembled from
 * one section per area of the Store (users.ts, clients.ts, codes.ts, tokens.ts, consents.ts,
 * sessions.ts, counters.ts, admin-keys.ts, signing-keys.ts,
 * janitor.ts), all over the same database. Atomic
 * rules are single conditional statements or transactions; locks.ts says how PostgreSQL
 * serialises them.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect, Store } from '../types.ts';
import { createAdminKeyStore } from './admin-keys.ts';
import { createClientStore } from './clients.ts';
import { createCodeStore } from './codes.ts';
import { createConsentStore } from './consents.ts';
import type { SectionContext } from './context.ts';
import { createCounterStore } from './counters.ts';
import { createJanitorStore } from './janitor.ts';
import type { Database } from './schema.ts';
import { pendingMigrations } from '../migrations/index.ts';
import { createSessionStore } from './sessions.ts';
import { createSigningKeyStore } from './signing-keys.ts';
import { createPushedRequestStore } from './pushed-requests.ts';
import { createDpopProofStore } from './dpop-proofs.ts';
import { createTokenStore } from './tokens.ts';
import { createUserStore } from './users.ts';

/** A Store built by `createKyselyStore`, whose database the SalesIQ store and tests reach. */
export interface KyselyStore extends Store {
  readonly db: Kysely<Database>;
}

const kyselyStores = new WeakSet<Store>();

/** Whether a Store was built by `createKyselyStore`, so its database can be shared. */
export function isKyselyStore(store: Store): store is KyselyStore {
  return kyselyStores.has(store);
}

/** Builds the Store over a migrated database; closing it destroys the database's pool. */
export function createKyselyStore(db: Kysely<Database>, sqlDialect: SqlDialect): KyselyStore {
  const context: SectionContext = { db, sqlDialect };
  const store: KyselyStore = {
    sqlDialect,
    db,
    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },
    async pendingMigrations(): Promise<string[]> {
      return pendingMigrations(db, sqlDialect);
    },
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
    ...createDpopProofStore(context),
    ...createJanitorStore(context),
  };
  kyselyStores.add(store);
  return store;
}
