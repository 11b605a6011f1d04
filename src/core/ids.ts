/**
 * Identifier formats of SPEC R1 (Zoho's shapes, at least 128 bits of CSPRNG entropy each),
 * hashing for storage, and constant-time comparison.
 */
import crypto, {
  createHash,
  randomBytes,
  randomFillSync,
  randomInt,
  timingSafeEqual,
} from 'node:crypto';

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

/**
 * CSPRNG bytes drawn in batches for tokens: one `randomFillSync` serves 128 tokens, where a
 * `randomBytes(32)` per token cost about 2 µs each, two or three times per token request (the
 * way Node's own `randomUUID` batches). Each byte is handed out once.
 */
const TOKEN_BYTES = 32;
const randomPool = Buffer.alloc(TOKEN_BYTES * 128);
let randomOffset = randomPool.length;

/** Codes, access tokens and refresh tokens: `1000.` + 32 hex + `.` + 32 hex (256 bits). */
export function generateToken(): string {
  if (randomOffset + TOKEN_BYTES > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const start = randomOffset;
  randomOffset += TOKEN_BYTES;
  const first = randomPool.toString('hex', start, start + TOKEN_BYTES / 2);
  const second = randomPool.toString('hex', start + TOKEN_BYTES / 2, start + TOKEN_BYTES);
  // Spent bytes are wiped, so the pool never holds a token already handed out.
  randomPool.fill(0, start, start + TOKEN_BYTES);
  return `1000.${first}.${second}`;
}

/** The token format resource servers check (one definition, in the resource package). */
export { TOKEN_PATTERN } from '@tollgate/resource';
export const CLIENT_ID_PATTERN = /^1000\.[A-Z0-9]{30}$/;

/** A random opaque value for sessions and CSRF secrets. */
export function generateOpaque(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Secrets and tokens are random and long, so an unsalted SHA-256 is a sufficient store hash. */
export function hashSecret(value: string): string {
  return sha256Hex(value);
}

/**
 * SHA-256 as hex. Node's one-shot `crypto.hash` (20.12+) costs about half of a Hash object's
 * `createHash().update().digest()`; older Node 20 releases take the object.
 */
const sha256Hex: (value: string) => string =
  typeof crypto.hash === 'function'
    ? (value) => crypto.hash('sha256', value, 'hex')
    : (value) => createHash('sha256').update(value).digest('hex');

/** Constant-time equality of two strings, also when their lengths differ. */
export function safeEqual(a: string, b: string): boolean {
  // Both digests are 64 hex characters whatever the inputs' lengths.
  const ha = Buffer.from(sha256Hex(a), 'latin1');
  const hb = Buffer.from(sha256Hex(b), 'latin1');
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/**
 * Whether `secret` hashes to `expectedHash` (a {@link hashSecret} digest), in constant time: the
 * two digests are compared character by character without an early exit. Unlike
 * {@link safeEqual}, which hashes both sides again to hide their lengths, it needs one SHA-256:
 * both are 64 hex characters, and only the stored one is secret (client authentication, SPEC R16).
 */
export function secretMatches(secret: string, expectedHash: string): boolean {
  const presented = sha256Hex(secret);
  if (presented.length !== expectedHash.length) return false;
  let difference = 0;
  for (let i = 0; i < presented.length; i++)
    difference |= presented.charCodeAt(i) ^ expectedHash.charCodeAt(i);
  return difference === 0;
}

/** Shows the first characters of a token and masks the rest, for pages and logs. */
export function maskToken(token: string): string {
  return token.length <= 12 ? '****' : `${token.slice(0, 9)}…${'*'.repeat(6)}`;
}
