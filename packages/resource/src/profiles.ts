/**
 * The wire dialects a refusal can be written in (Tollgate's SPEC R0). A dialect is a row of
 * traits, read by the renderer; nothing compares dialect names.
 */
export const WIRE_PROFILES = ['zoho', 'zoho-legacy', 'rfc'] as const;

/** A wire dialect: what Zoho sends today, the seed's legacy form, or strict RFC. */
export type WireProfile = (typeof WIRE_PROFILES)[number];

/** Whether a value names a dialect. */
export function isWireProfile(value: unknown): value is WireProfile {
  return typeof value === 'string' && (WIRE_PROFILES as readonly string[]).includes(value);
}

/** How a protected resource refuses a request in each dialect. */
export interface RefusalTraits {
  /**
   * Refusals other than server faults travel as HTTP 200 `{"error":{"code","message"}}` (Zoho's
   * APIs); otherwise RFC 6750's 401/403 with `WWW-Authenticate`.
   */
  readonly refusalsAsHttp200: boolean;
}

/** The refusal traits of each dialect. */
export const REFUSAL_TRAITS: Readonly<Record<WireProfile, RefusalTraits>> = {
  zoho: { refusalsAsHttp200: true },
  'zoho-legacy': { refusalsAsHttp200: true },
  rfc: { refusalsAsHttp200: false },
};

/** `Retry-After` for a wait in seconds: a whole number, at least 1 (RFC 9110 §10.2.3). */
export function retryAfterHeader(seconds: number): string {
  return String(Math.max(1, Math.ceil(seconds)));
}
