import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore, createMemoryStore } from '@tollgate/client';
import type { TokenSet } from '@tollgate/client';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-client-store-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function tokens(accessToken: string): TokenSet {
  return {
    accessToken,
    refreshToken: 'refresh',
    tokenType: 'Bearer',
    obtainedAt: 1,
    expiresAt: 2,
    scopes: ['AaaServer.profile.READ'],
    accountsServer: 'http://127.0.0.1:1',
    clientId: '1000.C',
  };
}

describe('memory store', () => {
  it('keeps, replaces and forgets tokens', async () => {
    const store = createMemoryStore();
    expect(await store.get()).toBeUndefined();
    await store.set(tokens('a'));
    expect((await store.get())?.accessToken).toBe('a');
    await store.delete();
    expect(await store.get()).toBeUndefined();
  });
});

describe('file store', () => {
  it('writes the file with mode 0600 in a 0700 directory it creates', async () => {
    const path = join(dir, 'nested', 'tokens.json');
    await createFileStore({ path }).set(tokens('a'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
  });

  it('keeps several named profiles in one file, each with tokens and settings', async () => {
    const path = join(dir, 'tokens.json');
    const work = createFileStore({ path, profile: 'work' });
    const home = createFileStore({ path, profile: 'home' });
    await work.set(tokens('w'));
    await home.set(tokens('h'));
    await home.setSettings({ clientId: '1000.C' });
    expect((await work.get())?.accessToken).toBe('w');
    expect((await home.get())?.accessToken).toBe('h');
    expect(await home.getSettings()).toEqual({ clientId: '1000.C' });
    expect((await work.listProfiles()).sort()).toEqual(['home', 'work']);
    await work.deleteProfile();
    expect(await work.listProfiles()).toEqual(['home']);
  });

  it('loses no update when many writers write different profiles at once, and leaves no temp file', async () => {
    const path = join(dir, 'tokens.json');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        createFileStore({ path, profile: `p${i}`, lock: { pollMs: 2 } }).set(tokens(`t${i}`)),
      ),
    );
    expect((await createFileStore({ path }).listProfiles()).length).toBe(20);
    expect((await readdir(dir)).sort()).toEqual(['tokens.json']);
  });

  it('a corrupt file is reported as store_corrupt and never overwritten', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(path, '{"format": "tollgate-tokens/1", "profiles": {');
    const store = createFileStore({ path });
    await expect(store.get()).rejects.toMatchObject({ code: 'store_corrupt' });
    await expect(store.set(tokens('a'))).rejects.toMatchObject({ code: 'store_corrupt' });
    expect(await readFile(path, 'utf8')).toBe('{"format": "tollgate-tokens/1", "profiles": {');
  });

  it('a JSON file Tollgate did not write is store_foreign and left alone', async () => {
    const path = join(dir, 'package.json');
    await writeFile(path, '{"name":"x"}');
    await expect(createFileStore({ path }).set(tokens('a'))).rejects.toMatchObject({
      code: 'store_foreign',
    });
    expect(await readFile(path, 'utf8')).toBe('{"name":"x"}');
  });

  it('malformed tokens in a profile are store_corrupt', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(
      path,
      JSON.stringify({
        format: 'tollgate-tokens/1',
        profiles: { default: { tokens: { accessToken: 5 } } },
      }),
    );
    await expect(createFileStore({ path }).get()).rejects.toMatchObject({ code: 'store_corrupt' });
  });

  it('rejects profile names that could escape the lock file name', () => {
    expect(() => createFileStore({ path: join(dir, 't.json'), profile: '../x' })).toThrow(
      /Invalid profile/,
    );
  });

  it('breaks a lock left behind by a process that died', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(
      `${path}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), id: 'dead' }),
    );
    await createFileStore({ path, lock: { timeoutMs: 2000 } }).set(tokens('a'));
    expect((await createFileStore({ path }).get())?.accessToken).toBe('a');
  });

  it('gives up with lock_timeout when a live holder keeps the lock', async () => {
    const path = join(dir, 'tokens.json');
    await writeFile(
      `${path}.lock`,
      JSON.stringify({ pid: process.pid, host: hostname(), id: 'alive' }),
    );
    await expect(
      createFileStore({ path, lock: { timeoutMs: 100 } }).set(tokens('a')),
    ).rejects.toMatchObject({ code: 'lock_timeout' });
  });
});
