/**
 * Checks a SQLite location before it is opened, so that a path that cannot work fails at once
 * with one line naming the path and the cause, instead of SQLite's "unable to open database
 * file" or a server that listens and then answers 500 to every write (issue 17).
 */
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Why a database location cannot be used; `path` is the absolute file or folder at fault. */
export class StoreLocationError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = 'StoreLocationError';
    this.path = path;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreLocationError(path, `cannot read ${path}: ${describeFsError(error)}`);
  }
}

/** `EACCES: permission denied` style text for a file-system error. */
export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is not a folder',
    ENOENT: 'no such file or folder',
    ENOSPC: 'no space left on the device',
  };
  return e.code && reasons[e.code] ? `${e.code}: ${reasons[e.code]}` : String(e.message ?? e);
}

function requireWritable(path: string, what: string, database: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new StoreLocationError(
      path,
      `cannot write the database ${database}: ${what} ${path} is not writable (${describeFsError(error)})`,
    );
  }
}

/**
 * Checks (and with `create`, prepares) a SQLite file location: it must be a file, not a folder;
 * it must exist unless `create`; the file and its folder (SQLite writes its `-wal` and `-shm`
 * files, and the demo its credentials, beside it) must be writable.
 * @throws StoreLocationError naming the path and the cause.
 */
export function checkSqliteLocation(location: string, create: boolean): void {
  const file = resolve(location);
  const folder = dirname(file);
  const stats = statOrUndefined(file);
  if (stats?.isDirectory())
    throw new StoreLocationError(
      file,
      `--db ${location}: ${file} is a folder; give the path of a database file inside it (e.g. ${file}/tollgate.db)`,
    );
  if (!stats && !create)
    throw new StoreLocationError(
      file,
      `no database at ${file}: check the --db path (or TOLLGATE_DB); \`tollgate init --db ${location}\` creates a new one`,
    );
  if (!stats) {
    try {
      mkdirSync(folder, { recursive: true });
    } catch (error) {
      throw new StoreLocationError(
        folder,
        `cannot create the folder ${folder} for the database: ${describeFsError(error)}`,
      );
    }
    if (!statSync(folder).isDirectory())
      throw new StoreLocationError(folder, `cannot create the database: ${folder} is not a folder`);
  }
  requireWritable(folder, 'the folder', file);
  if (stats) requireWritable(file, 'the file', file);
}
