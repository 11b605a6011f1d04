/**
 * A self-signed certificate for serving HTTPS on this machine (`tollgate cert`, issue 17): an
 * ECDSA P-256 key and an X.509 v3 certificate (RFC 5280) naming `localhost`, `127.0.0.1` and
 * `::1`, built with node:crypto alone. Node can sign but not write certificates, so the few DER
 * structures a certificate needs are encoded here.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** One DER element: tag, length (short or long form), contents (X.690 §8.1). */
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const sequence = (...items: Buffer[]): Buffer => der(0x30, ...items);

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
}

/** A positive INTEGER from unsigned big-endian bytes. */
const integer = (bytes: Buffer): Buffer =>
  der(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);

/** UTCTime, for dates before 2050 (RFC 5280 §4.1.2.5.1); GeneralizedTime after. */
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return new Date(ms).getUTCFullYear() < 2050
    ? der(0x17, Buffer.from(iso.slice(2)))
    : der(0x18, Buffer.from(iso));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const parts = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = parts(head);
  const right = ip.includes('::') ? parts(tail) : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  sequence(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value));

/** The names a local certificate covers by default. */
export const LOCAL_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

export interface SelfSignedOptions {
  /** DNS names and IP addresses (subjectAltName); default {@link LOCAL_NAMES}. */
  names?: readonly string[];
  /** Start of validity, Unix milliseconds (the certificate is valid from a minute before). */
  now: number;
  /** Days of validity (default 365: under the 398 days browsers accept for a server certificate). */
  days?: number;
}

export interface SelfSignedPair {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS #8 private key. */
  key: string;
  notAfter: number;
}

/** Makes a key and a certificate for it, signed by itself, for a TLS server on `names`. */
export function createSelfSignedCert(options: SelfSignedOptions): SelfSignedPair {
  const names = options.names ?? LOCAL_NAMES;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const name = sequence(
    der(0x31, sequence(oid('2.5.4.3'), der(0x0c, Buffer.from('Tollgate local HTTPS')))),
  );
  const notBefore = options.now - 60_000;
  const notAfter = options.now + (options.days ?? 365) * 86_400_000;
  const altNames = names.map((n) =>
    isIPv4(n) || isIPv6(n) ? der(0x87, ipBytes(n)) : der(0x82, Buffer.from(n, 'ascii')),
  );
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const tbs = sequence(
    der(0xa0, integer(Buffer.from([2]))),
    integer(randomBytes(16)),
    ecdsaWithSha256,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    der(
      0xa3,
      sequence(
        // Its own trust anchor: a CA that signed itself, fit to serve TLS (RFC 5280 §4.2.1).
        extension('2.5.29.19', true, sequence(der(0x01, Buffer.from([0xff])))),
        extension('2.5.29.15', true, der(0x03, Buffer.from([0x02, 0x84]))),
        extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
        extension('2.5.29.17', false, sequence(...altNames)),
      ),
    ),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = sequence(tbs, ecdsaWithSha256, der(0x03, Buffer.from([0]), signature));
  const lines = certificate.toString('base64').match(/.{1,64}/g) ?? [];
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    notAfter,
  };
}
