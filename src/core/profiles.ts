/**
 * The three wire dialects of SPEC R0, each a row of traits. Endpoints and renderers read traits
 * (`traitsOf(profile).errorsAsHttp200`), never compare dialect names, so a new dialect is one row.
 */
import { REFUSAL_TRAITS, type WireProfile } from '@tollgate/resource';

export { WIRE_PROFILES, isWireProfile, type WireProfile } from '@tollgate/resource';

/** Everything that differs between dialects. */
export interface ProfileTraits {
  /** Token-endpoint errors travel as HTTP 200 bodies (Zoho); otherwise RFC 6749 §5.2 statuses. */
  readonly errorsAsHttp200: boolean;
  /** Zoho's error codes on the wire (`invalid_code`, `invalid_redirect_uri`, ...). */
  readonly zohoErrorCodes: boolean;
  /** Throttled callers get Zoho's "Access Denied" body (HTTP 200) instead of HTTP 429. */
  readonly throttleAsAccessDenied: boolean;
  /** `expires_in` in milliseconds plus `expires_in_sec` (the seed), or in seconds. */
  readonly expiresIn: 'milliseconds-and-seconds' | 'seconds';
  /** `code_challenge_method=plain` is accepted (RFC 9700 §2.1.1 wants S256 only). */
  readonly plainPkce: boolean;
  /** Authorization responses carry `iss` (RFC 9207), and metadata says so. */
  readonly issInAuthorizationResponse: boolean;
  /**
   * Authorization requests must name `redirect_uri` (Zoho: an error page without it); otherwise
   * the only registered URI is used and the token request must leave it out (RFC 6749 §4.1.3).
   */
  readonly redirectUriRequired: boolean;
  /** A self client's client_credentials request needs `soid` (Zoho's `missing_org_info`). */
  readonly selfClientSoidRequired: boolean;
  /** `openid` needs `email` beside it (Zoho's "Sign in using Zoho" requires it; else invalid_scope). */
  readonly openidNeedsEmail: boolean;
  /** Protected resources refuse with HTTP 200 `{"error":{"code","message"}}` (Zoho's APIs). */
  readonly refusalsAsHttp200: boolean;
  /** The scope catalogue used when `--scopes` is not given (SPEC R12.5). */
  readonly defaultScopes: 'zoho' | 'seed';
  /**
   * The device flow offered (SPEC R13.2): Zoho's `/oauth/v3/device/...` (milliseconds, Zoho's
   * field names), or RFC 8628's device authorization endpoint and token-endpoint grant (seconds).
   */
  readonly deviceFlow: 'zoho-v3' | 'rfc8628';
}

const ZOHO: Omit<ProfileTraits, 'expiresIn'> = {
  errorsAsHttp200: true,
  zohoErrorCodes: true,
  throttleAsAccessDenied: true,
  plainPkce: true,
  issInAuthorizationResponse: false,
  redirectUriRequired: true,
  selfClientSoidRequired: true,
  openidNeedsEmail: true,
  refusalsAsHttp200: REFUSAL_TRAITS.zoho.refusalsAsHttp200,
  defaultScopes: 'zoho',
  deviceFlow: 'zoho-v3',
};

/** The traits of each dialect (SPEC R0's table). */
export const PROFILE_TRAITS: Readonly<Record<WireProfile, ProfileTraits>> = {
  zoho: { ...ZOHO, expiresIn: 'seconds' },
  'zoho-legacy': { ...ZOHO, expiresIn: 'milliseconds-and-seconds' },
  rfc: {
    errorsAsHttp200: false,
    zohoErrorCodes: false,
    throttleAsAccessDenied: false,
    expiresIn: 'seconds',
    plainPkce: false,
    issInAuthorizationResponse: true,
    redirectUriRequired: false,
    selfClientSoidRequired: false,
    openidNeedsEmail: false,
    refusalsAsHttp200: REFUSAL_TRAITS.rfc.refusalsAsHttp200,
    defaultScopes: 'seed',
    deviceFlow: 'rfc8628',
  },
};

/** The traits of a dialect. */
export const traitsOf = (profile: WireProfile): ProfileTraits => PROFILE_TRAITS[profile];

/**
 * The expiry fields of a token response: the seed's milliseconds plus `expires_in_sec` (the two
 * always travel together, so SDKs can tell the units apart), or seconds.
 * @see SPEC R0
 */
export function expiryFields(
  profile: WireProfile,
  seconds: number,
): { expires_in: number; expires_in_sec?: number } {
  return traitsOf(profile).expiresIn === 'milliseconds-and-seconds'
    ? { expires_in: seconds * 1000, expires_in_sec: seconds }
    : { expires_in: seconds };
}
