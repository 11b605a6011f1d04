import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintCode } from '../../src/core/codes.ts';
import { runCli } from './helpers/cli.ts';
import { startCountingServer, WIRE_PROFILES } from './helpers/tollgate.ts';
import type { CountingServer } from './helpers/tollgate.ts';

describe.each(WIRE_PROFILES)(
  'tollgate self-client exchange against a server speaking %s',
  (profile) => {
    let server: CountingServer;
    let dir: string;
    beforeAll(async () => {
      server = await startCountingServer({ profile, throttle: false });
      dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-self-'));
    });
    afterAll(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('R2: exchanges a console grant code without redirect_uri and saves a usable profile', async () => {
      const user = await server.addUser();
      const app = await server.addClient({ type: 'self', owner: user.zuid });
      const { code } = await mintCode(server.store, {
        clientId: app.clientId,
        zuid: user.zuid,
        scopes: ['AaaServer.profile.READ'],
        redirectUri: null,
        offline: true,
        codeChallenge: null,
        codeChallengeMethod: null,
        state: null,
        description: 'CLI test',
        lifetimeSeconds: 180,
        now: server.now(),
        throttle: null,
      });
      const tokenFile = join(dir, `${profile}.json`);
      const exchanged = await runCli(
        [
          'self-client',
          'exchange',
          '--accounts-url',
          server.url,
          '--client-id',
          app.clientId,
          '--code',
          code,
          '--token-file',
          tokenFile,
        ],
        { TOLLGATE_CLIENT_SECRET: app.clientSecret },
      );
      expect(exchanged.code, exchanged.stderr).toBe(0);
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      const whoami = await runCli(['whoami', '--json', '--token-file', tokenFile]);
      expect(whoami.code, whoami.stderr).toBe(0);
      expect(JSON.parse(whoami.stdout)).toMatchObject({ Email: user.email, ZUID: user.zuid });

      const reused = await runCli(
        [
          'self-client',
          'exchange',
          '--accounts-url',
          server.url,
          '--client-id',
          app.clientId,
          '--code',
          code,
          '--token-file',
          tokenFile,
        ],
        { TOLLGATE_CLIENT_SECRET: app.clientSecret },
      );
      expect(reused.code).toBe(1);
      expect(reused.stderr).toMatch(/invalid_(code|grant).*already used/);
    }, 60_000);
  },
);

it('R10: bad usage exits 2 with one line on stderr', async () => {
  const result = await runCli([
    'self-client',
    'exchange',
    '--dc',
    'mars',
    '--client-id',
    'x',
    '--code',
    'y',
    '--client-secret',
    'z',
  ]);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/unknown data centre mars/);
}, 30_000);
