/**
 * Lookups of one kind gathered into one statement (SPEC R16, PostgreSQL). With the token cache
 * off, fifty concurrent user-info requests used to make fifty round trips, each paying for a
 * pooled connection, a query message and a result to parse; the Node process spent most of its
 * time on that. Here every key asked for during one turn of the event loop waits until that
 * turn's check phase (`setImmediate`) and then all of them go in one query with an array
 * parameter (`where token_hash = any($1::text[])`), and each caller gets its own row back.
 *
 * Waiting for the check phase never reads older data than asked for: the read is still sent
 * after the request that wanted it arrived, so a revocation committed before a request was sent
 * is seen by that request's read (revocation stays immediate). Only direct reads belong here;
 * a read inside a transaction must run on the transaction's connection, never in a batch.
 */

/** How many keys one statement asks for at most; more keys go in further statements. */
export const BATCH_LIMIT = 100;

interface Waiter<R> {
  resolve: (row: R | undefined) => void;
  reject: (error: unknown) => void;
}

export interface BatchedReadOptions<K, R, M extends R> {
  /** The read of one key: a batch of one uses it (its prepared statement already exists). */
  one: (key: K) => Promise<R | undefined>;
  /** The read of several distinct keys: their rows, in any order, each naming its key. */
  many: (keys: K[]) => Promise<M[]>;
  /** The key a row of `many` answers (its rows carry it: M is R with the key). */
  keyOf: (row: M) => K;
  /** At most this many keys per statement (default BATCH_LIMIT). */
  limit?: number;
  /**
   * Keys read by `one` at once, outside any batch: those the database would refuse (a text with
   * a NUL character), so that one request's bad input fails only that request, never the
   * requests that happened to share its batch.
   */
  alone?: (key: K) => boolean;
}

/**
 * A read of one key that joins the other keys asked for in the same turn of the event loop.
 * A key asked for twice in one turn is asked for once and both callers get its row. When a
 * batch's statement fails, each of its callers' promises rejects with that same error (so the
 * error reaches each request's own handler, as a single read's did; nothing is left unhandled).
 */
export function batchedRead<K, R, M extends R = R>({
  one,
  many,
  keyOf,
  limit = BATCH_LIMIT,
  alone,
}: BatchedReadOptions<K, R, M>): (key: K) => Promise<R | undefined> {
  // The keys asked for in this turn, each with the callers waiting for it (insertion order).
  let pending: Map<K, Waiter<R>[]> | undefined;

  const settle = (
    keys: K[],
    waiting: Map<K, Waiter<R>[]>,
    answer: Promise<(key: K) => R | undefined>,
  ): void => {
    answer.then(
      (rowOf) => {
        for (const key of keys) {
          const row = rowOf(key);
          for (const waiter of waiting.get(key) ?? []) waiter.resolve(row);
        }
      },
      (error: unknown) => {
        for (const key of keys) for (const waiter of waiting.get(key) ?? []) waiter.reject(error);
      },
    );
  };

  const flush = (): void => {
    const waiting = pending;
    pending = undefined;
    if (waiting === undefined) return;
    const keys = [...waiting.keys()];
    for (let start = 0; start < keys.length; start += limit) {
      const chunk = keys.slice(start, start + limit);
      if (chunk.length === 1) {
        settle(
          chunk,
          waiting,
          attempt(() => one(chunk[0] as K)).then((row) => () => row),
        );
        continue;
      }
      settle(
        chunk,
        waiting,
        attempt(() => many(chunk)).then((rows) => {
          const byKey = new Map<K, R>();
          for (const row of rows) byKey.set(keyOf(row), row);
          return (key: K) => byKey.get(key);
        }),
      );
    }
  };

  return (key) => {
    if (alone?.(key)) return attempt(() => one(key));
    return new Promise<R | undefined>((resolve, reject) => {
      if (pending === undefined) {
        pending = new Map();
        setImmediate(flush);
      }
      const waiters = pending.get(key);
      if (waiters === undefined) pending.set(key, [{ resolve, reject }]);
      else waiters.push({ resolve, reject });
    });
  };
}

/** The read's promise, or its synchronous throw as a rejection (so it reaches every caller). */
function attempt<T>(read: () => Promise<T>): Promise<T> {
  try {
    return read();
  } catch (error) {
    return Promise.reject(error);
  }
}
