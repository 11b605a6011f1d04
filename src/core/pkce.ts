/**
 * PKCE (RFC 7636). S256 everywhere; `plain` only in the zoho profiles (SPEC R3.1).
 */
import { createHash } from 'node:crypto';
import { safeEqual } from './ids.ts';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isValidChallenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** @see RFC 7636 §4.6 */
export function verifyPkce(verifier: string, challenge: string, method: 'S256' | 'plain'): boolean {
  if (!isValidVerifier(verifier)) return false;
  return safeEqual(method === 'S256' ? s256(verifier) : verifier, challenge);
}
