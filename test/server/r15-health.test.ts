/**
 * SPEC R15.4: `/health` says the process is alive; `/health/ready` says the database answered
 * within a second and its migrations are current, else 503 with Retry-After. R15.1 and R15.5:
 * the janitor's interval and the statement timeout refuse absurd values at start-up, naming the
 * flag.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';

describe.each(storeKinds)('R15.4 health checks ($name)', (kind) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('R15.4: /health and /health/ready answer 200 {"status":"ok"} on a migrated, answering database', async () => {
    server = await startServer(kind);
    for (const path of ['/health', '/health/ready']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ status: 'ok' });
    }
  });

  it('R15.4: /health/ready is 503 naming the migration when one is not applied; /health stays 200', async () => {
    server = await startServer(kind);
    const { db } = server.store as KyselyStore;
    await sql`delete from tollgate_migrations where name = '007-operations'`.execute(db);
    const res = await fetch(`${server.url}/health/ready`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      status: 'unavailable',
      reason: 'Migrations not applied: 007-operations.',
    });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('R15.4: /health/ready is 503 when the database is gone; /health stays 200', async () => {
    server = await startServer(kind);
    await server.store.close();
    const res = await fetch(`${server.url}/health/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'unavailable',
      reason: 'The database is unavailable.',
    });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    await server.app.close();
    server = undefined;
  });
});

describe('R15.1 R15.5 start-up options', () => {
  it.each([
    [{ janitorInterval: 0 }, '--janitor-interval: must be at least 1 (got 0)'],
    [{ janitorInterval: '-5' }, '--janitor-interval: expected a whole number (got "-5")'],
    [{ janitorInterval: 86_401 }, '--janitor-interval: must be at most 86400 (got 86401)'],
    [{ dbStatementTimeout: 0 }, '--db-statement-timeout: must be at least 100 (got 0)'],
    [{ dbStatementTimeout: 10_000_000 }, '--db-statement-timeout: must be at most 600000'],
  ])('R15.1/R15.5: %j is refused naming the flag', (input, message) => {
    expect(() => parseConfig(input)).toThrow(message);
  });

  it('R15.1/R15.5: the defaults are a 60 s janitor and a 5 s statement timeout', () => {
    expect(parseConfig()).toMatchObject({ janitorInterval: 60, dbStatementTimeout: 5_000 });
  });
});
