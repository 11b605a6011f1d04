/**
 * Identifier formats of SPEC R1 (Zoho's shapes, at least 128 bits of CSPRNG entropy each),
 * hashing for storage, and constant-time comparison.
 */
import crypto, { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const CLIENT_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `1000.` + 30 chars of [A-Z0-9] (155 bits). */
export function generateClientId(): string {
  let id = '';
  for (let i = 0; i < 30; i++) id += CLIENT_ID_ALPHABET[randomInt(CLIENT_ID_ALPHABET.length)];
  return `1000.${id}`;
}

/** 42 lower-case hex chars (168 bits). */
export function generateClientSecret(): string {
  return randomBytes(21).toString('hex');
}

/** Codes, access tokens and refresh tokens: `1000.` + 32 hex + `.` + 32 hex (256 bits). */
export function generateToken(): string {
  const bytes = randomBytes(32).toString('hex');
  return `1000.${bytes.slice(0, 32)}.${bytes.slice(32)}`;
}

/** The token format resource servers check (one definition, in the resource package). */
export { TOKEN_PATTERN } from '@tollgate/resource';
export const CLIENT_ID_PATTERN = /^1000\.[A-Z0-9]{30}$/;

/** A random opaque value for sessions and CSRF secrets. */
export function generateOpaque(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Secrets and tokens are random and long, so an unsalted SHA-256 is a sufficient store hash. */
export const hashSecret: (value: string) => string = sha256HexOf();

/** Node's one-shot `crypto.hash` (20.12 and later) where it exists: half the cost of a Hash object. */
function sha256HexOf(): (value: string) => string {
  const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string })
    .hash;
  return oneShot
    ? (value) => oneShot('sha256', value, 'hex')
    : (value) => createHash('sha256').update(value).digest('hex');
}

/** Constant-time equality of two strings, also when their lengths differ. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Shows the first characters of a token and masks the rest, for pages and logs. */
export function maskToken(token: string): string {
  return token.length <= 12 ? '****' : `${token.slice(0, 9)}…${'*'.repeat(6)}`;
}
