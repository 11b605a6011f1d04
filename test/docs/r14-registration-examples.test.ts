/**
 * docs/registration.md's curl examples run as written, in order, against a real server with
 * `--registration token`. Each JSON answer's string fields become the next examples' variables
 * (`registration_access_token` -> `$REGISTRATION_ACCESS_TOKEN`), as the document says.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken } from '../../src/core/dynamic-registration.ts';
import { storeKinds } from '../helpers/stores.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { curlExamples } from '../helpers/doc-examples.ts';

const execFileAsync = promisify(execFile);

interface Example {
  command: string;
  fields: string[];
  prints: string | undefined;
}

function examples(): Example[] {
  return curlExamples('registration.md').map((e) => ({
    command: e.command,
    fields: /^# fields: (.*)$/.exec(e.comment)?.[1]?.split(' ') ?? [],
    prints: /^# prints: (.*)$/.exec(e.comment)?.[1],
  }));
}

describe.each(storeKinds.slice(0, 1))('docs/registration.md examples on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { profile: 'rfc', registration: 'token' });
  });
  afterAll(() => server.close());

  it('R14.3: each example answers what the document says, in order', async () => {
    const { token } = await createRegistrationToken(server.store, {
      label: 'docs',
      now: server.now(),
      lifetimeSeconds: null,
    });
    const env: Record<string, string | undefined> = {
      ...process.env,
      TG: server.url,
      INITIAL_TOKEN: token,
    };
    const list = examples();
    expect(list.length).toBe(5);
    for (const example of list) {
      const { stdout } = await execFileAsync('bash', ['-c', example.command], {
        env,
        timeout: 10_000,
      });
      if (example.prints !== undefined) {
        expect(stdout.trim(), example.command).toBe(example.prints);
        continue;
      }
      expect(example.fields.length, example.command).toBeGreaterThan(0);
      const body = JSON.parse(stdout) as Record<string, unknown>;
      for (const field of example.fields)
        expect(body, `${example.command}: ${field}`).toHaveProperty(field);
      for (const [key, value] of Object.entries(body))
        if (typeof value === 'string') env[key.toUpperCase()] = value;
    }
    // The last example: the deleted app at the token endpoint.
    expect(env.ERROR).toBe('invalid_client');
  });
});
