/**
 * Issue 17, point 11: package.json says Tollgate runs on Node.js `engines.node`; every package
 * package-lock.json installs must agree, or `npm install` warns EBADENGINE. Runtime packages must
 * accept the oldest Node.js we promise (users run it there); build and test tools the Node.js
 * running this test (what npm checks when it installs them). `.ci/run` also fails on any
 * EBADENGINE line that `npm ci` prints.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const json = <T>(file: string): T => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as T;

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  engines?: { node?: string } | string[];
}

const pkg = json<{ engines: { node: string } }>('package.json');
const lock = json<{ packages: Record<string, LockEntry> }>('package-lock.json');
const oldest = semver.minVersion(pkg.engines.node)?.version ?? '';

function nodeRange(entry: LockEntry): string | undefined {
  return Array.isArray(entry.engines) ? undefined : entry.engines?.node;
}

describe('issue 17: engines', () => {
  it(`every runtime dependency runs on the oldest Node.js package.json promises (${oldest})`, () => {
    expect(oldest).toMatch(/^\d+\.\d+\.\d+$/);
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev && nodeRange(entry) !== undefined)
      .filter(([, entry]) => !semver.satisfies(oldest, nodeRange(entry) ?? '*'))
      .map(([path, entry]) => `${path}@${entry.version} wants node ${nodeRange(entry)}`);
    expect(refusing).toEqual([]);
  });

  it('every dependency accepts the Node.js running the tests (no EBADENGINE on install)', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.optional && nodeRange(entry) !== undefined)
      .filter(([, entry]) => !semver.satisfies(process.version, nodeRange(entry) ?? '*'))
      .map(([path, entry]) => `${path}@${entry.version} wants node ${nodeRange(entry)}`);
    expect(refusing).toEqual([]);
  });
});
