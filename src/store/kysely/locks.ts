/**
 * Serialisation of transactions on PostgreSQL (SQLite runs one transaction at a time anyway).
 * Every transaction that creates or deletes the tokens of a user and client first takes
 * `lockGrant`, so concurrent requests queue instead of both seeing room, and a revocation cascade
 * never misses a token written beside it.
 */
import { sql, type Transaction } from 'kysely';
import type { SqlDialect } from '../types.ts';
import type { Database } from './schema.ts';

/**
 * Takes a transaction-scoped advisory lock on a key (PostgreSQL only), released at commit or
 * rollback, so transactions on the same key run one after the other.
 */
export async function lockKey(
  trx: Transaction<Database>,
  sqlDialect: SqlDialect,
  key: string,
): Promise<void> {
  if (sqlDialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
  }
}

/**
 * Taken first by every transaction that writes or deletes tokens of one user and client. It
 * queues them one at a time (the caps, rotation and cascades read what they change), and holds
 * the client and user rows in share mode until commit: `deleteClient` and `setUserDisabled`
 * change those rows first, so they wait for tokens being written and those written after them
 * see the client gone or the user disabled. Returns whether the client exists and the user is
 * enabled.
 */
export async function lockGrant(
  trx: Transaction<Database>,
  sqlDialect: SqlDialect,
  zuid: number,
  clientId: string,
): Promise<boolean> {
  const live = await trx
    .selectFrom(['clients', 'users'])
    .select('users.zuid')
    .where('clients.client_id', '=', clientId)
    .where('users.zuid', '=', zuid)
    .where('users.disabled', '=', 0)
    .$if(sqlDialect === 'postgres', (q) => q.forShare())
    .executeTakeFirst();
  await lockKey(trx, sqlDialect, `grant:${zuid}:${clientId}`);
  return live !== undefined;
}
