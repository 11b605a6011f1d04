import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TollgateClientError } from '../errors.ts';
import type { TokenSet } from '../token-set.ts';
import { isErrno, withFileLock } from './file-lock.ts';
import type { FileLockOptions } from './file-lock.ts';
import type { TokenStore } from './token-store.ts';

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** The JSON file holding every profile; created with mode 0600 (its directory 0700). */
  readonly path: string;
  /** The named profile in that file (default `default`): letters, digits, `.`, `_`, `-`. */
  readonly profile?: string;
  /** Lock timing, for the refresh lock and the write lock. */
  readonly lock?: FileLockOptions;
}

/** A {@link TokenStore} in a JSON file, with the extras the CLI uses. */
export interface FileTokenStore extends TokenStore {
  readonly path: string;
  readonly profile: string;
  /** Settings kept beside the tokens: the CLI keeps its client details there, secret included (the file is 0600). */
  getSettings(): Promise<Readonly<Record<string, string>> | undefined>;
  setSettings(settings: Readonly<Record<string, string>>): Promise<void>;
  /** Forgets the profile entirely: tokens and settings. */
  deleteProfile(): Promise<void>;
  listProfiles(): Promise<string[]>;
  lock<T>(task: () => Promise<T>): Promise<T>;
}

const FORMAT = 'tollgate-tokens/1';

interface ProfileEntry {
  tokens?: TokenSet;
  settings?: Record<string, string>;
}

interface StoreFile {
  format: typeof FORMAT;
  profiles: Record<string, ProfileEntry>;
}

/**
 * A token store in a JSON file shared by several named profiles and several processes.
 * Writes go to a temporary file (mode 0600) that is fsynced and renamed over the original,
 * so the file is never seen half-written; read-modify-write cycles hold `<path>.lock`, and
 * refreshes hold `<path>.<profile>.refresh.lock` so that processes sharing the file refresh
 * once between them. A file that is not JSON, or JSON not written by Tollgate, is never
 * overwritten.
 */
export function createFileStore(options: FileStoreOptions): FileTokenStore {
  const path = options.path;
  const profile = options.profile ?? 'default';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(profile)) {
    throw new TollgateClientError(
      'invalid_options',
      `Invalid profile name ${JSON.stringify(profile)}.`,
      {
        hint: 'Use 1-64 letters, digits, dots, underscores or dashes.',
      },
    );
  }
  const locked = async <T>(lockPath: string, task: () => Promise<T>): Promise<T> => {
    await ensureDirectory(path);
    return withFileLock(lockPath, task, options.lock);
  };
  const update = (change: (file: StoreFile) => void): Promise<void> =>
    locked(`${path}.lock`, async () => {
      const file = await readStoreFile(path);
      change(file);
      await writeAtomically(path, `${JSON.stringify(file, null, 2)}\n`);
    });
  const entry = async (): Promise<ProfileEntry | undefined> =>
    (await readStoreFile(path)).profiles[profile];
  return {
    path,
    profile,
    get: async () => (await entry())?.tokens,
    set: (tokens) =>
      update((file) => {
        file.profiles[profile] = { ...file.profiles[profile], tokens };
      }),
    delete: () =>
      update((file) => {
        const current = file.profiles[profile];
        if (current) delete current.tokens;
      }),
    getSettings: async () => (await entry())?.settings,
    setSettings: (settings) =>
      update((file) => {
        file.profiles[profile] = { ...file.profiles[profile], settings: { ...settings } };
      }),
    deleteProfile: () =>
      update((file) => {
        delete file.profiles[profile];
      }),
    listProfiles: async () => Object.keys((await readStoreFile(path)).profiles),
    lock: (task) => locked(`${path}.${profile}.refresh.lock`, task),
  };
}

async function readStoreFile(path: string): Promise<StoreFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (isErrno(cause, 'ENOENT')) return { format: FORMAT, profiles: {} };
    throw new TollgateClientError('store_io', `Cannot read the token file ${path}.`, {
      hint: 'Check its permissions (it should be readable by this user only).',
      cause,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new TollgateClientError('store_corrupt', `The token file ${path} is not valid JSON.`, {
      hint: 'Delete it (you will have to sign in again) or restore it from a backup.',
      cause,
    });
  }
  if (!isRecord(parsed) || parsed['format'] !== FORMAT || !isRecord(parsed['profiles'])) {
    throw new TollgateClientError('store_foreign', `${path} is not a Tollgate token file.`, {
      hint: 'Choose another path: Tollgate never overwrites a file it did not write.',
    });
  }
  const profiles: Record<string, ProfileEntry> = {};
  for (const [name, value] of Object.entries(parsed['profiles'])) {
    profiles[name] = checkEntry(value, path, name);
  }
  return { format: FORMAT, profiles };
}

function checkEntry(value: unknown, path: string, name: string): ProfileEntry {
  const corrupt = (what: string): TollgateClientError =>
    new TollgateClientError('store_corrupt', `Profile ${name} in ${path} ${what}.`, {
      hint: `Run \`tollgate logout --profile ${name}\` or delete the profile from the file.`,
    });
  if (!isRecord(value)) throw corrupt('is not an object');
  const entry: ProfileEntry = {};
  if (value['tokens'] !== undefined) {
    if (!isTokenSet(value['tokens'])) throw corrupt('has malformed tokens');
    entry.tokens = value['tokens'];
  }
  if (value['settings'] !== undefined) {
    const settings = value['settings'];
    if (!isRecord(settings) || !Object.values(settings).every((v) => typeof v === 'string')) {
      throw corrupt('has malformed settings');
    }
    entry.settings = settings as Record<string, string>;
  }
  return entry;
}

function isTokenSet(value: unknown): value is TokenSet {
  return (
    isRecord(value) &&
    typeof value['accessToken'] === 'string' &&
    (value['refreshToken'] === undefined || typeof value['refreshToken'] === 'string') &&
    typeof value['tokenType'] === 'string' &&
    typeof value['obtainedAt'] === 'number' &&
    typeof value['expiresAt'] === 'number' &&
    Array.isArray(value['scopes']) &&
    value['scopes'].every((scope) => typeof scope === 'string') &&
    (value['apiDomain'] === undefined || typeof value['apiDomain'] === 'string') &&
    typeof value['accountsServer'] === 'string' &&
    (value['location'] === undefined || typeof value['location'] === 'string') &&
    typeof value['clientId'] === 'string'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

async function ensureDirectory(path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new TollgateClientError('store_io', `Cannot create the directory of ${path}.`, {
      hint: 'Check the path and its permissions.',
      cause,
    });
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (cause) {
    await unlink(temporary).catch(() => undefined);
    throw new TollgateClientError('store_io', `Cannot write the token file ${path}.`, {
      hint: 'Check that its directory is writable and the disk is not full.',
      cause,
    });
  }
}
