/**
 * Revocation signals (SPEC R15.6): every store operation that ends an access token's life early
 * (revocation, a removed app, a deleted client, a disabled user, a cap eviction, a code replay,
 * a reused rotated refresh token) tells the listeners of its own process at once, before it
 * returns, and on PostgreSQL sends `NOTIFY` so every other instance hears it too, through a
 * connection of its own that `LISTEN`s. Instances cache validated tokens only while they hear.
 * Every write of a client row (an edit, a secret rotation, a deletion, a metadata-document
 * refresh) signals the same way, since caches keep authenticated clients too (SPEC R16).
 */
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { RevocationListener, SqlDialect, Store } from '../types.ts';
import type { Database } from './schema.ts';
import { BEST_EFFORT_WAIT_MS, waitAtMost } from '../best-effort.ts';

/** The channel every Tollgate instance of a database listens on; the payload is the schema. */
export const REVOCATION_CHANNEL = 'tollgate_revocations';

/** Reconnection waits of the listening connection, doubled from the first up to the last. */
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * Results of operations whose own transaction sent the NOTIFY (delivered at its commit), so no
 * statement of its own follows: the refresh grant's mint past the cap on PostgreSQL (mint-pg.ts).
 */
const notifiedInTransaction = new WeakSet<object>();

/** Marks an operation's result as having sent its NOTIFY in its transaction; returns it. */
export function notifiedWith<T extends object>(result: T): T {
  notifiedInTransaction.add(result);
  return result;
}

/** How to open the listening connection (PostgreSQL only). */
export interface ListenTarget {
  connectionString: string;
  schema: string | undefined;
  /**
   * The server process ids of the store's own pooled connections. A NOTIFY sent by one of them
   * is the store's own signal, already given to its listeners in process before it was sent (or,
   * for one sent inside a transaction, right after the commit): hearing it again would empty the
   * cache a second time, some milliseconds later, for nothing.
   */
  ownBackends?: ReadonlySet<number>;
}

type Revoking = Pick<
  Store,
  | 'revokeToken'
  | 'removeConnectedApp'
  | 'deleteClient'
  | 'rotateClientSecret'
  | 'updateClient'
  | 'saveMetadataDocumentClient'
  | 'setUserDisabled'
  | 'setUserPassword'
  | 'revokeTokensFromCode'
  | 'redeemCode'
  | 'issueTokens'
  | 'mintAccessToken'
>;

/** Which results of which operations revoked an access token or changed a client (or may have). */
const REVOKED: { [K in keyof Revoking]: (result: Awaited<ReturnType<Revoking[K]>>) => boolean } = {
  revokeToken: (r) => r !== 'unknown',
  removeConnectedApp: (r) => r,
  deleteClient: (r) => r,
  rotateClientSecret: (r) => r,
  // A client row changed (SPEC R16: cached clients): the secret, redirect URIs, type, format,
  // data centres or metadata must be read again everywhere before the change's answer is sent.
  updateClient: (r) => r !== undefined,
  saveMetadataDocumentClient: (r) => r !== undefined,
  setUserDisabled: (r) => r,
  setUserPassword: (r) => r,
  revokeTokensFromCode: (n) => n > 0,
  redeemCode: (r) => r.outcome === 'replayed' || (r.outcome === 'issued' && r.evicted > 0),
  issueTokens: (r) => r.outcome === 'issued' && r.evicted > 0,
  // Besides the cap's deletions (`evicted`), a public client's rotation deletes the access
  // tokens of the old refresh token (`rotatedOut`), which a cached validation would outlive (the
  // model-based test, seed -522794907). A plain refresh ends nothing: no signal, no NOTIFY.
  mintAccessToken: (r) =>
    r.outcome === 'reused-rotated' ||
    (r.outcome === 'minted' && (r.evicted > 0 || r.rotatedOut > 0)),
};

/**
 * The revoking operations of a store, made to signal, and `subscribeRevocations`: spread over
 * the store `createKyselyStore` builds.
 */
export function revocationSignals(
  store: Omit<Store, 'subscribeRevocations' | 'pollRevocations'>,
  db: Kysely<Database>,
  dialect: SqlDialect,
  listen: ListenTarget | undefined,
  changedElsewhere?: () => boolean,
): Revoking & Pick<Store, 'subscribeRevocations' | 'pollRevocations'> {
  const listeners = new Set<RevocationListener>();
  const signal = async (notified: boolean): Promise<void> => {
    for (const listener of listeners) listener.revoked();
    if (dialect !== 'postgres' || notified) return;
    try {
      await waitAtMost(
        sql`select pg_notify(${REVOCATION_CHANNEL}, current_schema())`.execute(db),
        BEST_EFFORT_WAIT_MS,
      );
    } catch {
      // The revocation is committed; an instance that misses this hears of it when its
      // listener reconnects (it empties its cache then) or when the cache entry's time is up.
    }
  };
  const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, revoked] of Object.entries(REVOKED) as [string, (r: unknown) => boolean][]) {
    const original = methods[name] as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      const result = await original(...args);
      if (revoked(result))
        await signal(
          typeof result === 'object' && result !== null && notifiedInTransaction.has(result),
        );
      return result;
    };
  }
  const subscribeRevocations: Store['subscribeRevocations'] = (listener) => {
    listeners.add(listener);
    const stopListening =
      dialect === 'postgres' && listen ? listenForRevocations(listen, listener) : undefined;
    if (!stopListening) listener.listening(true);
    return async () => {
      listeners.delete(listener);
      await stopListening?.();
    };
  };
  const pollRevocations = (): void => {
    if (listeners.size === 0 || !changedElsewhere?.()) return;
    for (const listener of listeners) listener.revoked();
  };
  return { ...(wrapped as unknown as Revoking), subscribeRevocations, pollRevocations };
}

/**
 * Keeps one connection LISTENing, reconnecting with backoff. `listening(false)` as soon as it is
 * lost, `listening(true)` once LISTEN succeeded again; the listener treats the gap as a
 * revocation of everything (it may have missed a NOTIFY).
 */
function listenForRevocations(
  target: ListenTarget,
  listener: RevocationListener,
): () => Promise<void> {
  let stopped = false;
  let client: pg.Client | undefined;
  let wait = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | undefined;
  const schema = target.schema ?? 'public';

  const lost = (): void => {
    listener.listening(false);
    const old = client;
    client = undefined;
    old?.removeAllListeners();
    old?.on('error', () => undefined);
    void old?.end().catch(() => undefined);
    if (stopped) return;
    timer = setTimeout(connect, wait);
    timer.unref();
    wait = Math.min(RECONNECT_MAX_MS, wait * 2);
  };

  const connect = (): void => {
    if (stopped) return;
    // Named, so an operator (and the tests) can tell it apart in pg_stat_activity.
    const c = new pg.Client({
      connectionString: target.connectionString,
      application_name: `tollgate-revocations:${schema}`.slice(0, 63),
    });
    client = c;
    c.on('error', () => {
      if (client === c) lost();
    });
    c.on('end', () => {
      if (client === c) lost();
    });
    c.on('notification', (message) => {
      if (message.channel !== REVOCATION_CHANNEL || message.payload !== schema) return;
      if (target.ownBackends?.has(message.processId)) return;
      listener.revoked();
    });
    c.connect()
      .then(() => c.query(`listen ${REVOCATION_CHANNEL}`))
      .then(() => {
        if (client !== c || stopped) return;
        wait = RECONNECT_MIN_MS;
        listener.listening(true);
      })
      .catch(() => {
        if (client === c) lost();
      });
  };

  listener.listening(false);
  connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    const c = client;
    client = undefined;
    c?.removeAllListeners();
    c?.on('error', () => undefined);
    await c?.end().catch(() => undefined);
  };
}
