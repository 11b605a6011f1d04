/**
 * The curl examples of docs/audit.md run as written (SPEC R15.3) against a real server, with the
 * variables they name in the environment; the JSON comment under each command is what its answer
 * must contain.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminKey } from '../../src/core/admin-keys.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';

const execFileAsync = promisify(execFile);

function examples(doc: string): { command: string; expected: string }[] {
  const text = readFileSync(join(import.meta.dirname, '../../docs', doc), 'utf8');
  const out: { command: string; expected: string }[] = [];
  for (const [, block = ''] of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block.replace(/\\\n/g, ' ').split('\n');
    lines.forEach((line, i) => {
      const next = lines[i + 1] ?? '';
      if (line.startsWith('curl') && next.startsWith('# {'))
        out.push({ command: line, expected: next.slice(2) });
    });
  }
  return out;
}

describe('R15.3 docs examples', () => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    server = await startServer(storeKinds[0]!);
    const { key } = await createAdminKey(server.store, 'docs', server.now());
    const created = await fetch(`${server.url}/admin/api/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Docs',
        domain: 'https://docs.example.com',
        redirect_uris: ['https://docs.example.com/cb'],
      }),
    });
    expect(created.status).toBe(201);
    env = { ...process.env, TOLLGATE_URL: server.url, TOLLGATE_ADMIN_KEY: key };
  });
  afterAll(() => server.close());

  it('R15.3: every curl example of docs/audit.md answers as written', async () => {
    const list = examples('audit.md');
    expect(list.length).toBe(1);
    for (const example of list) {
      const { stdout } = await execFileAsync('bash', ['-c', example.command], {
        env,
        timeout: 10_000,
      });
      expect(JSON.parse(stdout), example.command).toMatchObject(
        JSON.parse(example.expected) as Record<string, unknown>,
      );
    }
  });
});
