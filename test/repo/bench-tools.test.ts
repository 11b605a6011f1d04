/**
 * SPEC R16 is judged by `npm run bench`; two of its tools decide what BENCHMARKS.md says:
 * - `shareOf` gives each load-generator connection its own tokens (bench/cases.ts): every token
 *   is sent, and no two connections send one token at once while there are tokens enough;
 * - `startUsage` (bench/machine-usage.ts) measures where the CPU went: the load generator's own
 *   CPU, PostgreSQL's (when it runs on this machine), each CPU's busy share.
 */
import { cpus } from 'node:os';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { shareOf } from '../../bench/cases.ts';
import { startUsage } from '../../bench/machine-usage.ts';

const pgUrl = process.env.TEST_PG_URL;

describe('R16: the bench tools', () => {
  it('R16: each connection gets its own share of the tokens, and every token is in one share', () => {
    const tokens = Array.from({ length: 1000 }, (_, i) => `t${i}`);
    const shares = Array.from({ length: 50 }, (_, k) => shareOf(tokens, k, 50));
    for (const share of shares) expect(share).toHaveLength(20);
    const all = shares.flat();
    expect(new Set(all).size).toBe(1000);
    expect(all).toHaveLength(1000);
    // Fewer tokens than connections: each connection one token, every token used.
    const few = Array.from({ length: 50 }, (_, k) => shareOf(tokens.slice(0, 20), k, 50));
    for (const share of few) expect(share).toHaveLength(1);
    expect(new Set(few.flat()).size).toBe(20);
    expect(() => shareOf([], 0, 50)).toThrow();
  });

  it('R16: the usage window counts this process’s CPU and each CPU’s busy share', () => {
    const stop = startUsage();
    const until = performance.now() + 300;
    let spins = 0;
    while (performance.now() < until) spins++;
    const usage = stop();
    expect(spins).toBeGreaterThan(0);
    // 300 ms of spinning, in clock ticks of 10 ms and µs of process CPU.
    expect(usage.loadGeneratorUs).toBeGreaterThan(200_000);
    if (process.platform === 'linux') {
      expect(usage.coreBusy).toHaveLength(cpus().length);
      for (const busy of usage.coreBusy) expect(busy).toBeGreaterThanOrEqual(0);
      for (const busy of usage.coreBusy) expect(busy).toBeLessThanOrEqual(1);
      // One CPU was busy with this loop for the whole window.
      expect(Math.max(...usage.coreBusy)).toBeGreaterThan(0.5);
    }
  });

  it.skipIf(!pgUrl || process.platform !== 'linux')(
    'R16: the usage window counts the CPU PostgreSQL spent on this machine',
    async () => {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      try {
        const stop = startUsage();
        // A query PostgreSQL spends a few hundred milliseconds of its own CPU on.
        await client.query('select count(*) from generate_series(1, 5000000)');
        const usage = stop();
        expect(usage.postgresUs).not.toBeNull();
        expect(usage.postgresUs ?? 0).toBeGreaterThan(100_000);
        // The client only waited.
        expect(usage.loadGeneratorUs).toBeLessThan(usage.postgresUs ?? 0);
      } finally {
        await client.end();
      }
    },
  );
});
