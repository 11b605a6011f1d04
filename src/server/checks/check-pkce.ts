/**
 * The PKCE checks of both endpoints (RFC 7636, RFC 9700 §2.1.1; SPEC R3.1, R4.2).
 */
import { invalidGrant, invalidRequest } from '../../core/errors.ts';
import { isValidChallenge, verifyPkce } from '../../core/pkce.ts';
import { traitsOf, type WireProfile } from '../../core/profiles.ts';
import type { AuthorizationCode } from '../../store/types.ts';

/**
 * At authorization: a well-formed challenge; `S256`, or `plain` only in the zoho profiles;
 * required for public clients.
 */
export function checkPkceChallenge(
  challenge: string | undefined,
  method: string | undefined,
  profile: WireProfile,
  required: boolean,
): { challenge: string; method: 'S256' | 'plain' } | null {
  if (challenge === undefined) {
    if (method !== undefined)
      throw invalidRequest('code_challenge_method was sent without code_challenge.');
    if (required)
      throw invalidRequest(
        'This app must use PKCE: send code_challenge and code_challenge_method=S256.',
      );
    return null;
  }
  if (!isValidChallenge(challenge))
    throw invalidRequest('code_challenge must be 43-128 characters of [A-Za-z0-9-._~].');
  // RFC 7636 §4.3: a missing method means plain.
  const m = method ?? 'plain';
  if (m === 'S256') return { challenge, method: 'S256' };
  const { plainPkce } = traitsOf(profile);
  if (m === 'plain' && plainPkce) return { challenge, method: 'plain' };
  throw invalidRequest(
    plainPkce
      ? 'code_challenge_method must be S256 or plain.'
      : 'Only code_challenge_method=S256 is accepted.',
  );
}

/** At the token endpoint: the verifier matches, and none is sent without a challenge (downgrade). */
export function checkPkceVerifier(code: AuthorizationCode, verifier: string | undefined): void {
  if (code.codeChallenge === null || code.codeChallengeMethod === null) {
    if (verifier !== undefined)
      throw invalidGrant('A code_verifier was sent but the authorization had no code_challenge.');
    return;
  }
  if (verifier === undefined) throw invalidGrant('The code_verifier is missing.');
  if (!verifyPkce(verifier, code.codeChallenge, code.codeChallengeMethod))
    throw invalidGrant('The code_verifier does not match.');
}
