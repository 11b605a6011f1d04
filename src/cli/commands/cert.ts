/**
 * `tollgate cert`: a self-signed certificate and key for `serve --tls-cert --tls-key` on this
 * machine (issue 17), for SDKs that only speak `https://`, with how to make clients trust it.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { createSelfSignedCert, LOCAL_NAMES } from '../self-signed-cert.ts';
import { UsageError } from '../usage-error.ts';

interface CertOptions {
  cert: string;
  key: string;
  force?: boolean;
}

/** How to trust the certificate, per client: Node, curl, the operating system's store. */
export function trustAdvice(certPath: string, port = 3000): string {
  return [
    'Trust it where your client runs:',
    `  Node.js:  NODE_EXTRA_CA_CERTS=${certPath} node your-app.js`,
    `  curl:     curl --cacert ${certPath} https://localhost:${port}/health`,
    '  the operating system (browsers and most other tools):',
    `    Debian/Ubuntu: sudo cp ${certPath} /usr/local/share/ca-certificates/tollgate-localhost.crt && sudo update-ca-certificates`,
    `    macOS:         sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${certPath}`,
    `    Windows:       certutil -addstore -f Root ${certPath}`,
    'Anyone with the key can pose as localhost to a client that trusts it: keep it to this machine.',
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('cert')
    .description(
      `Make a self-signed certificate for ${LOCAL_NAMES.join(', ')}, to serve HTTPS with serve --tls-cert/--tls-key.`,
    )
    .option('--cert <file>', 'where to write the certificate (PEM)', './data/localhost-cert.pem')
    .option(
      '--key <file>',
      'where to write the private key (PEM, mode 0600)',
      './data/localhost-key.pem',
    )
    .option('--force', 'replace files that exist')
    .action((opts: CertOptions) => {
      const certPath = resolve(opts.cert);
      const keyPath = resolve(opts.key);
      if (certPath === keyPath) throw new UsageError('--cert and --key must be different files.');
      for (const path of [certPath, keyPath]) {
        if (existsSync(path) && !opts.force)
          throw new Error(`${path} exists: choose another file, or add --force to replace it.`);
      }
      const pair = createSelfSignedCert({ now: systemClock.now() });
      for (const path of [certPath, keyPath]) mkdirSync(dirname(path), { recursive: true });
      writeFileSync(keyPath, pair.key, { mode: 0o600 });
      chmodSync(keyPath, 0o600); // An existing file keeps its mode on write: --force.
      writeFileSync(certPath, pair.cert, { mode: 0o644 });
      const until = new Date(pair.notAfter).toISOString().slice(0, 10);
      process.stdout.write(
        [
          `Certificate: ${certPath} (${LOCAL_NAMES.join(', ')}; valid until ${until})`,
          `Private key: ${keyPath} (readable only by you)`,
          '',
          `Serve HTTPS:  npx tollgate serve --tls-cert ${certPath} --tls-key ${keyPath}`,
          '',
          trustAdvice(certPath),
          '',
        ].join('\n'),
      );
    });
}
