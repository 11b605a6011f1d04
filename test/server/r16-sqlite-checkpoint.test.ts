/**
 * SPEC R16 on SQLite: the WAL is checkpointed by a worker thread (src/store/sqlite-checkpointer.ts)
 * rather than by the commit that crosses `wal_autocheckpoint` pages on the request path. A token
 * the server issued reaches the database file itself within a moment, long before the WAL holds
 * 10,000 pages (the server's own automatic checkpoint), while the server runs; closing the store
 * stops the worker first, and the server's connection, the last, removes the WAL as before. The
 * worker runs only for a database of 64 MiB or more (a thread costs ~9 MB of RSS, and a small
 * file's checkpoints are cheap); these tests start it at once (`checkpointWorkerFrom: 0`).
 * (PostgreSQL has no counterpart: its checkpointer is already a process of its own.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/core/ids.ts';
import { openStore } from '../../src/store/open-store.ts';
import { obtainTokens, postForm, startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds, type StoreKind } from '../helpers/stores.ts';

const sqlite = storeKinds.find((k) => k.name === 'sqlite');
if (!sqlite) throw new Error('no SQLite store kind');

/** A SQLite store kind whose stores live at a file the test knows. */
async function fileKind(): Promise<{
  kind: StoreKind;
  file: string;
  cleanup: () => Promise<void>;
}> {
  const { location, cleanup } = await sqlite!.location();
  return {
    kind: { ...sqlite!, open: () => openStore(location, { checkpointWorkerFrom: 0 }) },
    file: location,
    cleanup,
  };
}

/** Whether the database file itself (not its WAL) holds `text`, within `ms`. */
async function inMainFile(file: string, text: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (readFileSync(file).includes(text)) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('R16: SQLite checkpoints off the request path', () => {
  it('a refreshed access token reaches the database file while the server runs, long before the automatic checkpoint', async () => {
    const { kind, file, cleanup } = await fileKind();
    cleanups.push(cleanup);
    const server: TestServer = await startServer(kind, { throttle: false });
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await server.close();
    });
    const client = await server.addClient();
    const tokens = await obtainTokens(server, { ...client, accessType: 'offline' });
    expect(tokens.body.refresh_token).toBeDefined();
    /** One refresh grant; its new access token. */
    const refresh = async (): Promise<string> => {
      const res = await postForm(server.url, '/oauth/v2/token', {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token as string,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      });
      expect(res.body.access_token).toBeDefined();
      return res.body.access_token as string;
    };
    const minted: string[] = [];
    for (let i = 0; i < 5; i++) minted.push(await refresh());
    // A few dozen WAL pages: SQLite's own checkpoint (every 10,000) has not run.
    expect(existsSync(`${file}-wal`)).toBe(true);
    for (const token of minted) expect(await inMainFile(file, hashSecret(token), 3_000)).toBe(true);

    // Later writes keep reaching the file: the worker goes on.
    expect(await inMainFile(file, hashSecret(await refresh()), 3_000)).toBe(true);

    // Closing stops the worker, then the server's connection, the last one, removes the WAL.
    closed = true;
    await server.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('below the size threshold, checkpoints stay with SQLite (no worker): a token stays in the WAL', async () => {
    const { location, cleanup } = await sqlite!.location();
    cleanups.push(cleanup);
    const server = await startServer(
      { ...sqlite!, open: () => openStore(location) },
      {
        throttle: false,
      },
    );
    cleanups.push(() => server.close());
    const client = await server.addClient();
    const tokens = await obtainTokens(server, client);
    expect(tokens.body.access_token).toBeDefined();
    expect(await inMainFile(location, hashSecret(tokens.body.access_token as string), 1_000)).toBe(
      false,
    );
  });

  it('a store closed at once after opening closes cleanly, its worker included', async () => {
    const { file, cleanup } = await fileKind();
    cleanups.push(cleanup);
    for (let i = 0; i < 3; i++) {
      const store = await openStore(file, { checkpointWorkerFrom: 0 });
      await store.close();
      expect(existsSync(`${file}-wal`)).toBe(false);
    }
  });

  it('a process whose last work is closing the store exits normally (the stopping worker keeps it alive)', async () => {
    const { file, cleanup } = await fileKind();
    cleanups.push(cleanup);
    const script = join(dirname(file), 'open-close.mts');
    const openStoreModule = join(import.meta.dirname, '../../src/store/open-store.ts');
    writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(openStoreModule)};\n` +
        `const store = await openStore(${JSON.stringify(file)}, { checkpointWorkerFrom: 0 });\n` +
        `await store.close();\n` +
        `process.stdout.write('closed\\n');\n`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: run.status, stdout: run.stdout }, run.stderr).toEqual({
      status: 0,
      stdout: 'closed\n',
    });
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
