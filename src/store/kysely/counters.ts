/**
 * Fixed-window counters behind every throttle (SPEC R5.6). They live in the database so that
 * limits hold across instances sharing it.
 */
import { sql } from 'kysely';
import type { CounterResult, CounterStore } from '../types.ts';
import type { Db, SectionContext } from './context.ts';

/**
 * Adds one to a counter in one conditional statement (an upsert that starts a new window when the
 * old one has ended). Takes a transaction too, so the refresh grant counts inside its own.
 */
export async function hitCounterIn(
  db: Db,
  key: string,
  windowMs: number,
  now: number,
): Promise<CounterResult> {
  const row = await db
    .insertInto('counters')
    .values({ key, window_end: now + windowMs, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when counters.window_end <= ${now} then 1 else counters.count + 1 end`,
        window_end: sql<number>`case when counters.window_end <= ${now} then ${now + windowMs} else counters.window_end end`,
      }),
    )
    .returning(['count', 'window_end'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), resetAt: Number(row.window_end) };
}

/** A counter's row as the throttles see it: an ended window counts nothing. */
export function counterResult(
  row: { count: number; window_end: number } | undefined,
  now: number,
): CounterResult {
  if (!row || Number(row.window_end) <= now) return { count: 0, resetAt: now };
  return { count: Number(row.count), resetAt: Number(row.window_end) };
}

/** The counters section of the Kysely store. */
export function createCounterStore({ db, hot: hotReads }: SectionContext): CounterStore {
  return {
    hitCounter(key: string, windowMs: number, now: number): Promise<CounterResult> {
      return hitCounterIn(db, key, windowMs, now);
    },

    async peekCounter(key: string, now: number): Promise<CounterResult> {
      // Client authentication peeks at its throttle on every token request: a prepared read
      // (SPEC R16), through Kysely only while a transaction holds SQLite's connection.
      const hot = hotReads?.counter(key);
      const row =
        hot !== undefined && hot !== 'busy'
          ? await hot
          : await db
              .selectFrom('counters')
              .select(['count', 'window_end'])
              .where('key', '=', key)
              .executeTakeFirst();
      return counterResult(row, now);
    },

    async releaseCounter(key: string, now: number): Promise<void> {
      await db
        .updateTable('counters')
        .set({ count: sql<number>`counters.count - 1` })
        .where('key', '=', key)
        .where('window_end', '>', now)
        .where('count', '>', 0)
        .execute();
    },

    async resetCounter(key: string): Promise<void> {
      await db.deleteFrom('counters').where('key', '=', key).execute();
    },
  };
}
