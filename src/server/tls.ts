/**
 * HTTPS (issue 17): the certificate and key of `--tls-cert` / `--tls-key`, read and checked
 * before the server is built, so a wrong file stops the start with a line that names it.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Config } from '../core/config.ts';
import { TollgateError } from '../core/errors.ts';

/** What Node's TLS server needs. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Node's message without the file name it repeats (`ENOENT: no such file or directory`). */
const reason = (error: unknown): string =>
  error instanceof Error ? error.message.replace(/, \w+ '.*'$/, '') : String(error);

function read(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TollgateError('startup_failed', `${flag} ${path} cannot be read (${reason(error)}).`);
  }
}

/**
 * The TLS files of the config, or undefined to serve plain HTTP.
 * @throws TollgateError `startup_failed` naming the file that cannot be read or used.
 */
export function loadTlsFiles(config: Pick<Config, 'tlsCert' | 'tlsKey'>): TlsFiles | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const cert = read('--tls-cert', config.tlsCert);
  const key = read('--tls-key', config.tlsKey);
  const check = (context: { cert?: Buffer; key?: Buffer }, problem: string): void => {
    try {
      createSecureContext(context);
    } catch (error) {
      throw new TollgateError('startup_failed', `${problem} (${reason(error)}).`);
    }
  };
  check({ cert }, `--tls-cert ${config.tlsCert} is not a PEM certificate`);
  check({ key }, `--tls-key ${config.tlsKey} is not a PEM private key`);
  check(
    { cert, key },
    `--tls-key ${config.tlsKey} is not the key of the certificate in --tls-cert ${config.tlsCert}`,
  );
  return { cert, key };
}
