/**
 * The stores every contract suite runs against: SQLite always, PostgreSQL when TEST_PG_URL is
 * set. Each PostgreSQL store lives in its own random schema, dropped when the store closes, so
 * test runs sharing the machine's server never collide.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type OpenStoreOptions } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/types.ts';

export interface StoreKind {
  name: 'sqlite' | 'postgres';
  /** Opens a fresh, empty, migrated store; closing it deletes its data. */
  open(): Promise<Store>;
  /** A fresh location (file path or URL) for tests that start a server process themselves. */
  location(): Promise<{ location: string; cleanup: () => Promise<void> }>;
}

const pgUrl = process.env.TEST_PG_URL;

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Opens a store at a fresh location; closing it also deletes the location. */
async function openFresh(
  kind: Pick<StoreKind, 'location'>,
  options?: OpenStoreOptions,
): Promise<Store> {
  const { location, cleanup } = await kind.location();
  const store = await openStore(location, options);
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await cleanup();
  };
  return store;
}

export const sqliteKind: StoreKind = {
  name: 'sqlite',
  async location() {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
    return {
      location: join(dir, 'tollgate.db'),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  open() {
    return openFresh(this);
  },
};

const postgresKind: StoreKind = {
  name: 'postgres',
  async location() {
    const schema = `tg_test_${randomBytes(6).toString('hex')}`;
    const url = new URL(pgUrl ?? '');
    url.searchParams.set('schema', schema);
    return { location: url.toString(), cleanup: () => dropSchema(schema) };
  },
  open() {
    return openFresh(this);
  },
};

if (!pgUrl) {
  console.warn(
    '\n*** TEST_PG_URL is not set: PostgreSQL store tests are SKIPPED (CI sets it). ***\n',
  );
}

/** SQLite, plus PostgreSQL when TEST_PG_URL is set. */
export const storeKinds: StoreKind[] = pgUrl ? [sqliteKind, postgresKind] : [sqliteKind];

/** The same kind of store opened with options, e.g. the statement timeout `serve` would set. */
export function withStoreOptions(kind: StoreKind, options: OpenStoreOptions): StoreKind {
  return { ...kind, open: () => openFresh(kind, options) };
}
