/**
 * docs/api.md's curl examples (the blocks that call "$TG/api/...") run as written against a real
 * server whose demo portal is seeded, with $TG and $TOKEN (and the narrower
 * $VISITORS_ONLY_TOKEN) in the environment. Success examples must answer the envelope; the error
 * examples must answer the error code written in the comment under them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDemoPortal } from '../../src/api/demo-portal.ts';
import { salesIqStoreFor } from '../../src/store/open-store.ts';
import { storeKinds } from '../helpers/stores.ts';
import { postForm, startServer, type TestServer } from '../helpers/server.ts';

const DOC = readFileSync(join(import.meta.dirname, '../../docs/api.md'), 'utf8');
const execFileAsync = promisify(execFile);

interface Example {
  command: string;
  /** The error code the comment under the command promises, if any. */
  errorCode?: number;
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const [, block = ''] of DOC.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)) {
    if (!block.includes('$TG/api/')) continue;
    const lines = block.replace(/\\\n/g, ' ').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim().startsWith('curl')) return;
      const code = /"code":(\d+)/.exec(
        lines[i + 1]?.startsWith('#') ? (lines[i + 1] ?? '') : '',
      )?.[1];
      out.push({ command: line, ...(code ? { errorCode: Number(code) } : {}) });
    });
  }
  return out;
}

describe.each(storeKinds.slice(0, 1))('docs/api.md examples on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  it('each example answers as the document says', async () => {
    const owner = await server.addUser();
    await ensureDemoPortal(salesIqStoreFor(server.store), owner, server.now());
    const self = await server.addClient({ type: 'self', owner: owner.zuid });
    const token = async (scope: string): Promise<string> =>
      (
        await postForm(server.url, '/oauth/v2/token', {
          grant_type: 'client_credentials',
          soid: 'ZohoSalesIQ.600123434',
          client_id: self.clientId,
          client_secret: self.clientSecret,
          scope,
        })
      ).body.access_token as string;
    const env = {
      ...process.env,
      TG: server.url,
      TOKEN: await token(
        'SalesIQ.portals.ALL,SalesIQ.operators.READ,SalesIQ.departments.READ,SalesIQ.conversations.READ,SalesIQ.chatdetails.READ,SalesIQ.visitors.READ',
      ),
      VISITORS_ONLY_TOKEN: await token('SalesIQ.visitors.READ'),
    };
    const list = examples();
    expect(list.length).toBeGreaterThanOrEqual(10);
    for (const example of list) {
      const { stdout } = await execFileAsync('bash', ['-c', example.command], {
        env,
        timeout: 10_000,
      });
      const body = JSON.parse(stdout) as {
        data?: unknown;
        object?: string;
        url?: string;
        error?: { code: number };
      };
      if (example.errorCode !== undefined) {
        expect(body.error?.code, example.command).toBe(example.errorCode);
      } else {
        expect(body.error, example.command).toBeUndefined();
        expect(body.data, example.command).toBeDefined();
        expect(typeof body.url).toBe('string');
      }
    }
  });
});
