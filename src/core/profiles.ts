/**
 * The three wire dialects of SPEC R0.
 */
import type { Profile } from '@tollgate/resource';

export { PROFILES, isProfile, type Profile } from '@tollgate/resource';

/** Whether errors travel as HTTP 200 bodies, the Zoho way. */
export function isZohoProfile(profile: Profile): boolean {
  return profile !== 'rfc';
}

/**
 * The expiry fields of a token response: the seed's milliseconds plus `expires_in_sec` in
 * `zoho-legacy` (the two always travel together, so SDKs can tell the units apart), seconds
 * otherwise.
 * @see SPEC R0
 */
export function expiryFields(
  profile: Profile,
  seconds: number,
): { expires_in: number; expires_in_sec?: number } {
  return profile === 'zoho-legacy'
    ? { expires_in: seconds * 1000, expires_in_sec: seconds }
    : { expires_in: seconds };
}
