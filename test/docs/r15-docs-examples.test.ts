/**
 * The curl examples of docs/audit.md run as written (SPEC R15.3) against a real server, with the
 * variables they name in the environment; the JSON comment under each command is what its answer
 * must contain.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminKey } from '../../src/core/admin-keys.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';
import { jsonExamples } from '../helpers/doc-examples.ts';

const execFileAsync = promisify(execFile);

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
    const list = jsonExamples('audit.md');
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
