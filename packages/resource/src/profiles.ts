/**
 * The wire dialects a refusal can be written in (Tollgate's SPEC R0): Zoho's HTTP 200 error
 * bodies (`zoho`, `zoho-legacy`) or RFC 6750's 401/403 with `WWW-Authenticate` (`rfc`).
 */
export const PROFILES = ['zoho', 'zoho-legacy', 'rfc'] as const;

/** A wire dialect. */
export type Profile = (typeof PROFILES)[number];

/** Whether a value names a dialect. */
export function isProfile(value: unknown): value is Profile {
  return typeof value === 'string' && (PROFILES as readonly string[]).includes(value);
}
