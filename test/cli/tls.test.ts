/**
 * Issue 17, point 9: HTTPS for SDKs that only speak `https://`. `tollgate cert` makes a local
 * self-signed pair; `serve --tls-cert --tls-key` serves HTTPS with it; clients that trust the
 * certificate (node:https with `ca`, the client SDK under NODE_EXTRA_CA_CERTS in a child process)
 * complete token requests; wrong flags and files stop the start with one line naming them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mintCode } from '../../src/core/codes.ts';
import { createSelfSignedCert } from '../../src/cli/self-signed-cert.ts';
import { runCli, type CliResult } from '../client/helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';

const execFileAsync = promisify(execFile);
const GUIDE = readFileSync(join(import.meta.dirname, '../../docs/https.md'), 'utf8');

const TOKEN = /^1000\.[0-9a-f]+\.[0-9a-f]+$/;

let dir: string;
let certPath: string;
let keyPath: string;
let made: CliResult;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-tls-'));
  certPath = join(dir, 'certs', 'cert.pem');
  keyPath = join(dir, 'certs', 'key.pem');
  made = await runCli(['cert', '--cert', certPath, '--key', keyPath]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One HTTPS request trusting only `ca`; resolves with status and body text. */
function httpsRequest(
  url: string,
  ca: Buffer,
  form?: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const req = request(
      url,
      {
        ca,
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('issue 17 point 9: tollgate cert', () => {
  it('writes a self-signed pair for localhost, 127.0.0.1 and ::1, the key readable only by its owner, and prints how to trust it', async () => {
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toBe('');
    const cert = new X509Certificate(readFileSync(certPath));
    expect(cert.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(cert.subject).toBe('CN=Tollgate local HTTPS');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(365);
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(keyPath)))).toBe(true);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(made.stdout).toContain(`Certificate: ${certPath} (localhost, 127.0.0.1, ::1; valid`);
    expect(made.stdout).toContain(
      `Serve HTTPS:  npx tollgate serve --tls-cert ${certPath} --tls-key ${keyPath}`,
    );
    expect(made.stdout).toContain(`NODE_EXTRA_CA_CERTS=${certPath} node your-app.js`);
    expect(made.stdout).toContain(`curl --cacert ${certPath} https://localhost:3000/health`);
    expect(made.stdout).toContain('update-ca-certificates');

    const again = await runCli(['cert', '--cert', certPath, '--key', keyPath]);
    expect(again).toEqual({
      code: 1,
      stdout: '',
      stderr: `tollgate: ${certPath} exists: choose another file, or add --force to replace it.\n`,
    });
  });
});

describe.each(storeKinds)('issue 17 point 9: serve --tls-cert --tls-key on $name', (kind) => {
  let server: TestServer;
  let ca: Buffer;
  beforeAll(async () => {
    expect(made.code, made.stderr).toBe(0);
    ca = readFileSync(certPath);
    server = await startServer(kind, { tlsCert: certPath, tlsKey: keyPath, throttle: false });
  });
  afterAll(() => server?.close());

  const selfClientCode = async (): Promise<{ clientId: string; secret: string; code: string }> => {
    const owner = await server.addUser();
    const app = await server.addClient({ type: 'self', owner: owner.zuid });
    const { code } = await mintCode(server.store, {
      clientId: app.clientId,
      zuid: owner.zuid,
      scopes: ['AaaServer.profile.READ'],
      redirectUri: null,
      offline: true,
      codeChallenge: null,
      codeChallengeMethod: null,
      state: null,
      description: 'HTTPS test',
      lifetimeSeconds: 180,
      now: server.now(),
      throttle: null,
    });
    return { clientId: app.clientId, secret: app.clientSecret, code };
  };

  it('metadata names https URLs, and node:https trusting the certificate completes a token request', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const metadata = await httpsRequest(`${server.url}/.well-known/oauth-authorization-server`, ca);
    expect(metadata.status).toBe(200);
    expect(JSON.parse(metadata.body)).toMatchObject({
      issuer: server.url,
      authorization_endpoint: `${server.url}/oauth/v2/auth`,
      token_endpoint: `${server.url}/oauth/v2/token`,
    });
    const { clientId, secret, code } = await selfClientCode();
    const token = await httpsRequest(`${server.url}/oauth/v2/token`, ca, {
      grant_type: 'authorization_code',
      code,
      client_id: clientId,
      client_secret: secret,
    });
    expect(token.status).toBe(200);
    const body = JSON.parse(token.body) as Record<string, unknown>;
    expect(body).toMatchObject({ api_domain: server.url, token_type: 'Bearer', expires_in: 3600 });
    expect(body.access_token).toMatch(TOKEN);
    expect(body.refresh_token).toMatch(TOKEN);
    // A client trusting another certificate is refused by TLS itself.
    const stranger = Buffer.from(createSelfSignedCert({ now: server.now() }).cert);
    await expect(httpsRequest(`${server.url}/health`, stranger)).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });

  it("docs/https.md: the guide's curl example answers as written", async () => {
    const blocks = [...GUIDE.matchAll(/^```sh\n([\s\S]*?)^```$/gm)]
      .map((m) => (m[1] ?? '').trim())
      .filter((b) => b.startsWith('curl'));
    expect(blocks).toEqual([
      'curl --cacert ./data/localhost-cert.pem https://localhost:3000/health',
    ]);
    // The guide's default paths and port, as this test's certificate and server.
    const command = (blocks[0] as string)
      .replace('./data/localhost-cert.pem', certPath)
      .replace('https://localhost:3000', server.url.replace('127.0.0.1', 'localhost'));
    const { stdout } = await execFileAsync('bash', ['-c', `${command} -sS`], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toEqual({ status: 'ok' });
  });

  it('the client SDK in a child process exchanges a code over HTTPS with NODE_EXTRA_CA_CERTS, and is refused without it', async () => {
    const { clientId, secret, code } = await selfClientCode();
    const tokenFile = join(dir, `tokens-${kind.name}.json`);
    const args = [
      'self-client',
      'exchange',
      '--accounts-url',
      server.url,
      '--client-id',
      clientId,
      '--code',
      code,
      '--token-file',
      tokenFile,
    ];
    const untrusted = await runCli(args, { TOLLGATE_CLIENT_SECRET: secret });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/self[- ]signed certificate/i);
    const trusted = await runCli(args, {
      TOLLGATE_CLIENT_SECRET: secret,
      NODE_EXTRA_CA_CERTS: certPath,
    });
    expect(trusted.code, trusted.stderr).toBe(0);
    const whoami = await runCli(['whoami', '--json', '--token-file', tokenFile], {
      NODE_EXTRA_CA_CERTS: certPath,
    });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      Email: expect.stringMatching(/@example\.com$/),
    });
  });
});

describe('issue 17 point 9: wrong TLS flags and files', () => {
  const serve = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    runCli(['serve', '--db', ':memory:', '--port', '0', ...args], env);

  it('one of --tls-cert and --tls-key alone is a usage error (exit 2) naming the missing one', async () => {
    expect(await serve(['--tls-cert', certPath])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'tollgate: --tls-cert: needs --tls-key (or TOLLGATE_TLS_KEY) too: give both, or neither for HTTP\n',
    });
    expect(await serve([], { TOLLGATE_TLS_KEY: keyPath })).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'tollgate: TOLLGATE_TLS_KEY: needs --tls-cert (or TOLLGATE_TLS_CERT) too: give both, or neither for HTTP\n',
    });
  });

  it('a file that is missing, not PEM, or not the pair stops serve (exit 1) with one line naming it', async () => {
    const missing = join(dir, 'missing.pem');
    expect(await serve(['--tls-cert', missing, '--tls-key', keyPath])).toEqual({
      code: 1,
      stdout: '',
      stderr: `tollgate: --tls-cert ${missing} cannot be read (ENOENT: no such file or directory).\n`,
    });
    const swapped = await serve(['--tls-cert', keyPath, '--tls-key', certPath]);
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toBe('');
    expect(swapped.stderr).toMatch(
      new RegExp(`^tollgate: --tls-cert ${keyPath} is not a PEM certificate \\(.+\\)\\.\\n$`),
    );
    const other = join(dir, 'other-key.pem');
    writeFileSync(other, createSelfSignedCert({ now: 0 }).key, { mode: 0o600 });
    const mismatched = await serve(['--tls-cert', certPath, '--tls-key', other]);
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toMatch(
      new RegExp(
        `^tollgate: --tls-key ${other} is not the key of the certificate in --tls-cert ${certPath} \\(.+\\)\\.\\n$`,
      ),
    );
  });
});
