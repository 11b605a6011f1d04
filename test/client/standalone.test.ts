import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT_DIR = fileURLToPath(new URL('../../packages/client/src/', import.meta.url));

describe('tollgate/client stands alone', () => {
  it('imports only its own modules and node: built-ins, nothing of the server', async () => {
    const files = (await readdir(CLIENT_DIR, { recursive: true })).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = await readFile(join(CLIENT_DIR, file), 'utf8');
      for (const [, specifier = ''] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        const inside =
          specifier.startsWith('.') &&
          resolve(dirname(join(CLIENT_DIR, file)), specifier).startsWith(CLIENT_DIR);
        expect(specifier.startsWith('node:') || inside, `${file} imports ${specifier}`).toBe(true);
      }
    }
  });
});
