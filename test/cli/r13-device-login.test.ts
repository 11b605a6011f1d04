/**
 * `tollgate login --device` (SPEC R13.2): the CLI prints the verification URL and the user
 * code and polls; a person approves on the page (driven here over HTTP with the page's forms)
 * and the CLI saves the tokens to its profile; a denial ends it with the server's answer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerOnPage, SCOPE } from '../helpers/device.ts';
import { spawnGroup, stopGroup } from '../helpers/processes.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';

const BIN = join(import.meta.dirname, '../../bin/tollgate.js');

/** Runs `tollgate login --device`, hands the printed code to `approve`, and waits for the exit. */
async function loginWithDevice(
  s: TestServer,
  app: { clientId: string; clientSecret: string },
  tokenFile: string,
  approve: (userCode: string, printed: string) => Promise<void>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawnGroup(
    process.execPath,
    [
      BIN,
      'login',
      '--device',
      '--accounts-url',
      s.url,
      '--client-id',
      app.clientId,
      '--client-secret',
      app.clientSecret,
      '--scope',
      SCOPE,
      '--offline',
      '--no-open',
      '--timeout',
      '60',
      '--token-file',
      tokenFile,
    ],
    { env: { ...process.env, TOLLGATE_TOKEN_PROFILE: undefined }, stdin: 'ignore' },
  );
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const printed = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /enter the code:\n\n {2}([A-Z]{4}-[A-Z]{4})\n/.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`login exited before printing a code:\n${stderr}`)));
  });
  try {
    await approve(await printed, stderr);
    const code = await exited;
    return { code, stderr };
  } finally {
    await stopGroup(child);
  }
}

describe.each(storeKinds)('R13.2 tollgate login --device on $name', (kind) => {
  let s: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-device-login-'));
  beforeAll(async () => {
    // A one-second interval keeps the CLI's real-time polling short.
    s = await startServer(kind, { deviceInterval: 1 });
  });
  afterAll(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('R13.2: prints the verification URL and code, polls, and saves the tokens once the person approves', async () => {
    const app = await s.addClient();
    const person = await s.addUser();
    const tokenFile = join(dir, 'approved.json');
    const result = await loginWithDevice(s, app, tokenFile, async (userCode, printed) => {
      expect(printed).toContain(`To sign in, open ${s.url}/oauth/v3/device on any device`);
      expect(printed).toContain(`(or open ${s.url}/oauth/v3/device?user_code=${userCode})`);
      // The CLI polls before and after the person answers.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await answerOnPage(s.url, person, userCode)).toContain('Device connected');
    });
    expect(result.stderr).toContain(
      `Saved tokens to profile default in ${tokenFile}: scopes ${SCOPE}, with a refresh token.`,
    );
    expect(result.code).toBe(0);
    const saved = readFileSync(tokenFile, 'utf8');
    const accessToken = /"accessToken":\s*"([^"]+)"/.exec(saved)?.[1] ?? '';
    const info = await fetch(`${s.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${accessToken}` },
    });
    expect(info.status).toBe(200);
    expect(((await info.json()) as { Email: string }).Email).toBe(person.email);
  });

  it('R13.2: a denial ends the CLI with access_denied (exit 1) and saves nothing', async () => {
    const app = await s.addClient();
    const tokenFile = join(dir, 'denied.json');
    const result = await loginWithDevice(s, app, tokenFile, async (userCode) => {
      await answerOnPage(s.url, await s.addUser(), userCode, 'deny');
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('access_denied');
    expect(() => readFileSync(tokenFile, 'utf8')).toThrow(/ENOENT/);
  });
});
