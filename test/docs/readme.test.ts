/**
 * The README must stay true: its options table is generated from the config schema, and its
 * quick start (`npm start`) really starts a server with a working demo user and app.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withConfigTable } from '../../scripts/generate-docs.ts';
import { Browser, authorize, postForm } from '../helpers/server.ts';
import { spawnGroup, stopGroup } from '../helpers/processes.ts';

const ROOT = join(import.meta.dirname, '../..');

describe('README', () => {
  it('has an options table generated from the current config schema (run `npm run docs`)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toBe(withConfigTable(readme));
  });

  it('shows the two-command quick start', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });

  it('quick start: `npm start` serves, prints demo credentials that complete the flow, and keeps them across restarts; stopping it leaves no server running (issue 18)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-quickstart-'));
    const db = join(dir, 'data', 'tollgate.db');
    const start = async (): Promise<{ out: string; stop: () => Promise<void> }> => {
      const child = spawnGroup('npm', ['start', '--silent'], {
        cwd: ROOT,
        env: { ...process.env, TOLLGATE_DB: db, TOLLGATE_PORT: '0', TOLLGATE_LOG_LEVEL: 'warn' },
      });
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(
          () => reject(new Error(`no demo credentials printed: ${text}`)),
          50_000,
        );
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          if (/redirect_uri \S+/.test(text)) {
            clearTimeout(timer);
            resolve(text);
          }
        });
      });
      const stop = async (): Promise<void> => {
        // npm runs a shell that runs node: stopping npm alone would leave the server running.
        await stopGroup(child);
      };
      return { out, stop };
    };
    try {
      const first = await start();
      const url = /listening on (\S+)/.exec(first.out)?.[1] ?? '';
      const email = /Demo user:\s+(\S+)/.exec(first.out)?.[1] ?? '';
      const password = /password: (\S+)/.exec(first.out)?.[1] ?? '';
      const clientId = /client_id (\S+)/.exec(first.out)?.[1] ?? '';
      const clientSecret = /client_secret (\S+)/.exec(first.out)?.[1] ?? '';
      const redirectUri = /redirect_uri (\S+)/.exec(first.out)?.[1] ?? '';
      expect(redirectUri).toBe(`${url}/demo/callback`);
      const redirect = await authorize(
        new Browser(url),
        { email, password },
        { clientId, redirectUri, scope: 'AaaServer.profile.READ', accessType: 'offline' },
      );
      const tokens = await postForm(url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uri: redirectUri,
      });
      expect(tokens.body.refresh_token).toBeDefined();
      const info = await fetch(`${url}/oauth/user/info`, {
        headers: { authorization: `Zoho-oauthtoken ${tokens.body.access_token as string}` },
      });
      expect(((await info.json()) as { Email: string }).Email).toBe(email);
      await first.stop();
      // What broke: stopping `npm start` left `tollgate serve --demo` answering on its port.
      await expect(fetch(`${url}/health`)).rejects.toThrow();
      expect(statSync(join(dir, 'data', 'demo-credentials.json')).mode & 0o777).toBe(0o600);

      const second = await start();
      expect(/password: (\S+)/.exec(second.out)?.[1]).toBe(password);
      expect(/client_id (\S+)/.exec(second.out)?.[1]).toBe(clientId);
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
