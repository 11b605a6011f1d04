/**
 * SQLite checkpoints off the request path (SPEC R16). SQLite's automatic checkpoint runs inside
 * the commit that crosses `wal_autocheckpoint` pages: that commit copies every page the WAL holds
 * into the database file and syncs it while the event loop waits (better-sqlite3 is synchronous).
 * In a big store the token hash index is written at random pages, so a checkpoint copies
 * thousands of distinct pages: at 1M tokens one took 205 ms (61 ms of CPU, the rest the sync)
 * every ~4,000 refreshes, against 22 ms at 10k.
 *
 * A worker thread holds a second connection to the file and runs a PASSIVE checkpoint every
 * `CHECKPOINT_INTERVAL_MS`: it copies and syncs what the WAL holds without blocking the writer
 * (SQLite lets a checkpoint and a write transaction run at once). The server's connection keeps its
 * `wal_autocheckpoint`, which bounds the WAL and restarts it from the beginning: when it runs,
 * the worker has already copied all but the last interval's pages, so it costs little.
 * Durability is unchanged: a checkpoint copies only committed pages, and SQLite keeps the WAL
 * until they are synced into the file. A checkpoint is no commit, so `PRAGMA data_version` (the
 * token cache's test for other writers) does not change.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints, in milliseconds. */
export const CHECKPOINT_INTERVAL_MS = 100;

/** The worker, as a CommonJS script: better-sqlite3 is loaded from the path the server resolved. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  // Busy (another checkpoint runs), a full disk, an I/O error: the next round tries again, and the
  // server's own automatic checkpoint still bounds the WAL.
  try { checkpoint.get(); } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the worker and closes its connection (before the server's own connection closes). */
  stop(): Promise<void>;
}

/**
 * The database size from which checkpoints move to the worker. A worker thread costs ~9 MB of RSS
 * (its own V8 heap), and in a smaller file the automatic checkpoint finds few distinct pages to
 * copy (22 ms per ~4,000 refreshes at 10k tokens, 205 ms at 1M), so it is not worth it there.
 */
export const CHECKPOINT_WORKER_FROM_BYTES = 64 * 1024 * 1024;

/** How often a smaller database's size is looked at, in milliseconds. */
const SIZE_CHECK_MS = 5_000;

/**
 * Checkpoints the SQLite file at `file` (already open, in WAL mode) in a worker, started once the
 * file holds `fromBytes` (at once for 0).
 */
export function startCheckpointer(
  file: string,
  fromBytes: number = CHECKPOINT_WORKER_FROM_BYTES,
  intervalMs: number = CHECKPOINT_INTERVAL_MS,
): Checkpointer {
  let running: Checkpointer | undefined;
  const bigEnough = (): boolean => {
    try {
      return statSync(file).size >= fromBytes;
    } catch {
      return false;
    }
  };
  if (fromBytes <= 0 || bigEnough()) running = startWorker(file, intervalMs);
  const timer =
    running === undefined
      ? setInterval(() => {
          if (!bigEnough()) return;
          clearInterval(timer);
          running = startWorker(file, intervalMs);
        }, SIZE_CHECK_MS).unref()
      : undefined;
  return {
    async stop() {
      clearInterval(timer);
      await running?.stop();
    },
  };
}

function startWorker(file: string, intervalMs: number): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file, intervalMs },
    // A small heap: the worker holds one connection and one statement.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  // Not a reason to keep the process alive; an error (it could not open the file) leaves the
  // server's automatic checkpoint in charge, as without the worker.
  worker.unref();
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    worker.once('error', () => resolve());
  });
  return {
    async stop() {
      // Referenced again while it stops: otherwise a process with nothing else left to do would
      // exit (code 13, an unsettled await) before the worker closes its connection.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
