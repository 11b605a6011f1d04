import { createHash, randomBytes } from 'node:crypto';

/** A fresh random value for `state` or a PKCE `code_verifier`: 256 bits, base64url. */
export function generateRandomValue(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The S256 `code_challenge` of a verifier.
 *
 * @see RFC 7636 §4.2
 */
export function computeCodeChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}
