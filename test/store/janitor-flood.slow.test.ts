/**
 * SPEC R15.1: storage stays bounded under a flood of failed sign-ins with random emails. The
 * flood goes through the sign-in throttle the login route uses (check, then count the failure),
 * skipping only the password hash and HTTP, so 100,000 attempts take a minute, not an hour. Each
 * attempt comes from a fresh random IPv6 address too: the worst case, two new counters each.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import { reserveSignIn } from '../../src/server/sign-in-throttle.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { storeKinds } from '../helpers/stores.ts';

const ATTEMPTS = 100_000;
const CONCURRENCY = 8;
const postgres = storeKinds.find((k) => k.name === 'postgres');

interface Sizes {
  rows: number;
  heap: number;
  total: number;
}

async function sizes(store: KyselyStore): Promise<Sizes> {
  const { rows } = await sql<{
    rows: number;
    heap: number;
    total: number;
  }>`select (select count(*) from counters) as rows, pg_relation_size('counters') as heap,
       pg_total_relation_size('counters') as total`.execute(store.db);
  const row = rows[0] as Sizes;
  return { rows: Number(row.rows), heap: Number(row.heap), total: Number(row.total) };
}

const kb = (n: number): string => `${Math.round(n / 1024)} kB`;

describe.runIf(postgres)('R15.1 janitor under a sign-in flood (PostgreSQL)', () => {
  it(
    'R15.1: 100,000 failed sign-ins with random emails leave no counters after the window and one janitor pass',
    {
      timeout: 600_000,
    },
    async () => {
      const store = (await (postgres as NonNullable<typeof postgres>).open()) as KyselyStore;
      const config = parseConfig();
      const throttle = { store, config };
      const start = Date.now();
      try {
        const flood = async (now: number): Promise<number> => {
          let next = 0;
          let counted = 0;
          const worker = async (): Promise<void> => {
            while (next < ATTEMPTS) {
              next++;
              const email = `${randomBytes(8).toString('hex')}@flood.test`;
              const ip = `2001:db8:${randomBytes(6).toString('hex').match(/.{4}/g)?.join(':')}::1`;
              // Each attempt is counted before its (failing) password check.
              const check = await reserveSignIn(throttle, email, ip, now);
              if (check.throttled) continue;
              counted++;
            }
          };
          await Promise.all(Array.from({ length: CONCURRENCY }, worker));
          return counted;
        };
        const windowMs = config.loginWindow * 1000;
        const before = await sizes(store);
        const t0 = Date.now();
        expect(await flood(start)).toBe(ATTEMPTS);
        const floodMs = Date.now() - t0;
        const flooded = await sizes(store);
        expect(flooded.rows).toBe(2 * ATTEMPTS);

        // Within the window nothing is deleted: the counters still throttle.
        const early = await store.sweepExpired(start + windowMs - 1);
        expect(early).toMatchObject({ outcome: 'swept', deleted: { counters: 0 } });
        const t1 = Date.now();
        const swept = await store.sweepExpired(start + windowMs);
        const sweepMs = Date.now() - t1;
        expect(swept).toMatchObject({ outcome: 'swept', deleted: { counters: 2 * ATTEMPTS } });
        const afterSweep = await sizes(store);
        expect(afterSweep.rows).toBe(0);
        // What autovacuum does next: the emptied pages are freed, the table file shrinks back.
        await sql`vacuum counters`.execute(store.db);
        const vacuumed = await sizes(store);
        expect(vacuumed.heap).toBeLessThanOrEqual(before.heap + 64 * 1024);

        console.log(
          [
            `R15.1 flood: ${ATTEMPTS} failed sign-ins (random email and address each) in ${floodMs} ms, janitor pass ${sweepMs} ms`,
            `counters table (rows, heap, heap+indexes): before ${before.rows}, ${kb(before.heap)}, ${kb(before.total)}`,
            `  after the flood  ${flooded.rows}, ${kb(flooded.heap)}, ${kb(flooded.total)}`,
            `  after the janitor ${afterSweep.rows}, ${kb(afterSweep.heap)}, ${kb(afterSweep.total)}`,
            `  after vacuum     ${vacuumed.rows}, ${kb(vacuumed.heap)}, ${kb(vacuumed.total)}`,
          ].join('\n'),
        );
      } finally {
        await store.close();
      }
    },
  );
});
