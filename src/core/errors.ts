/**
 * Protocol errors. One class, built through factories, rendered per profile by the server.
 * @see RFC 6749 §5.2, RFC 6750 §3.1
 */
import {
  OAuthError as BaseOAuthError,
  type OAuthErrorOptions as BaseOAuthErrorOptions,
} from '@tollgate/resource';

/**
 * Every error code Tollgate answers with: RFC 6749/6750/7009/8628 codes, plus `not_found` for
 * the admin API and the SalesIQ-style API. Adding a grant or an endpoint adds its codes here.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'authorization_pending'
  | 'expired_token'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'slow_down'
  | 'invalid_target'
  | 'invalid_request_uri'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'invalid_client_metadata'
  | 'invalid_redirect_uri'
  | 'other_dc';

/** Codes that only the Zoho profiles use on the wire (SPEC R0's mapping table). */
export type ZohoErrorCode =
  | 'invalid_code'
  | 'invalid_redirect_uri'
  | 'invalid_client_secret'
  | 'missing_org_info'
  | 'expired'
  | 'Access Denied';

export interface OAuthErrorOptions extends BaseOAuthErrorOptions {
  /** The code the zoho profiles send instead of `error`, when they differ. */
  zohoError?: ZohoErrorCode;
  /** Whether the error may be sent to the client's redirect URI (only once it is validated). */
  redirectable?: boolean;
  /** What went wrong in more detail: written to the log, never sent. */
  detail?: string;
  /** For the SalesIQ-style API: the name of its numeric error code (RESOURCE_ERROR_CODES). */
  resourceCode?: string;
  /** Field-by-field problems of a request body (the admin API sends them as `problems`). */
  fields?: Readonly<Record<string, string>>;
  /** More members of a token-style error body (`user_location` of Zoho's `other_dc`). */
  wireFields?: Readonly<Record<string, string>>;
  /** A refusal by a throttle of SPEC R5.5 (counted by the metrics, R15.2). */
  throttle?: boolean;
}

/**
 * A protocol error of the authorization server. It extends the resource package's error, so
 * refusals of protected resources and of the server are one family with one renderer.
 */
export class OAuthError extends BaseOAuthError<OAuthErrorCode> {
  readonly zohoError: ZohoErrorCode | undefined;
  readonly redirectable: boolean;
  readonly detail: string | undefined;
  readonly resourceCode: string | undefined;
  readonly fields: Readonly<Record<string, string>> | undefined;
  readonly wireFields: Readonly<Record<string, string>> | undefined;
  readonly throttle: boolean;

  constructor(error: OAuthErrorCode, description: string, options: OAuthErrorOptions = {}) {
    super(error, description, options);
    this.zohoError = options.zohoError;
    this.redirectable = options.redirectable ?? true;
    this.detail = options.detail;
    this.resourceCode = options.resourceCode;
    this.fields = options.fields;
    this.wireFields = options.wireFields;
    this.throttle = options.throttle ?? false;
  }
}

export const invalidRequest = (description: string): OAuthError =>
  new OAuthError('invalid_request', description);

export const invalidClient = (description = 'Client authentication failed.'): OAuthError =>
  new OAuthError('invalid_client', description, { status: 401, redirectable: false });

/**
 * A known client with a wrong secret. Zoho names it `invalid_client_secret` (clients key their
 * hints on it, SPEC R13.6); the rfc profile keeps RFC 6749 §5.2's `invalid_client`.
 */
export const invalidClientSecret = (): OAuthError =>
  // The same description as invalidClient(): the rfc profile must not tell the two apart.
  new OAuthError('invalid_client', 'Client authentication failed.', {
    status: 401,
    redirectable: false,
    zohoError: 'invalid_client_secret',
  });

/**
 * A self client's client_credentials request without `soid` in the zoho profiles (SPEC R13.6).
 * @see https://zoho.com/accounts/protocol/oauth/self-client/client-credentials-flow.html
 */
export const missingOrgInfo = (): OAuthError =>
  new OAuthError('invalid_request', 'soid=<Service>.<org id> is required for this self client.', {
    zohoError: 'missing_org_info',
  });

/** Expired, reused or unknown code; revoked or unknown refresh token. Zoho says `invalid_code`. */
export const invalidGrant = (description: string): OAuthError =>
  new OAuthError('invalid_grant', description, { zohoError: 'invalid_code' });

export const invalidRedirectUri = (description: string): OAuthError =>
  new OAuthError('invalid_grant', description, { zohoError: 'invalid_redirect_uri' });

export const invalidScope = (description: string): OAuthError =>
  new OAuthError('invalid_scope', description);

export const unauthorizedClient = (description: string): OAuthError =>
  new OAuthError('unauthorized_client', description);

export const unsupportedGrantType = (grantType: string): OAuthError =>
  new OAuthError('unsupported_grant_type', `The grant type '${grantType}' is not supported.`);

export const unsupportedResponseType = (): OAuthError =>
  new OAuthError('unsupported_response_type', 'Only response_type=code is supported.');

/** A resource indicator that is malformed or that this client may not use. @see RFC 8707 §2 */
/** A DPoP proof at the token endpoint that fails a check (HTTP 400). @see RFC 9449 §5 */
export const invalidDpopProof = (description: string): OAuthError =>
  new OAuthError('invalid_dpop_proof', description, { challenge: 'DPoP' });

export const invalidTarget = (description: string): OAuthError =>
  new OAuthError('invalid_target', description);

/** A pushed request_uri that is unknown, used or expired. @see RFC 9126 §4, RFC 9101 §6.2 */
export const invalidRequestUri = (description: string): OAuthError =>
  new OAuthError('invalid_request_uri', description);

export const accessDenied = (description: string): OAuthError =>
  new OAuthError('access_denied', description);

/** The person has not answered on the verification page yet. @see RFC 8628 §3.5 */
export const authorizationPending = (): OAuthError =>
  new OAuthError('authorization_pending', 'The person has not approved the request yet.');

/** The device polled again sooner than the interval allows. @see RFC 8628 §3.5 */
export const slowDown = (): OAuthError =>
  new OAuthError('slow_down', 'Polled too soon; wait the interval between polls.');

/** The device code expired or was ended; Zoho says `expired`. @see RFC 8628 §3.5 */
export const expiredToken = (description: string): OAuthError =>
  new OAuthError('expired_token', description, { zohoError: 'expired' });

/**
 * The person approved, but their home data centre is another one: poll there (Zoho's
 * `other_dc` with `user_location`, SPEC R13.2).
 * @see https://www.zoho.com/accounts/protocol/oauth/multi-dc/client-authorization/limited-input-devices.html
 */
export const otherDataCentre = (home: string): OAuthError =>
  new OAuthError('other_dc', `The person's data centre is ${home}; poll its accounts server.`, {
    wireFields: { user_location: home },
  });

/** Too many authorization codes for a client (SPEC R5.5): `access_denied` back to the app. */
export const codesThrottled = (): OAuthError =>
  new OAuthError(
    'access_denied',
    'Too many authorization codes were requested for this app. Please try again later.',
    { throttle: true },
  );

/** Too many requests: Zoho answers HTTP 200 "Access Denied", the rfc profile 429. */
export const throttled = (retryAfter: number): OAuthError =>
  new OAuthError(
    'slow_down',
    'You have made too many requests continuously. Please try again after some time.',
    { zohoError: 'Access Denied', status: 429, retryAfter, throttle: true },
  );

export const invalidToken = (description: string): OAuthError =>
  new OAuthError('invalid_token', description, { status: 401, redirectable: false });

export const insufficientScope = (scope: string): OAuthError =>
  new OAuthError('insufficient_scope', `The token lacks the scope ${scope}.`, {
    status: 403,
    redirectable: false,
    scope,
  });

export const temporarilyUnavailable = (retryAfter = 5): OAuthError =>
  new OAuthError('temporarily_unavailable', 'The service is temporarily unavailable.', {
    status: 503,
    retryAfter,
    redirectable: false,
  });

export const serverError = (detail?: string): OAuthError =>
  new OAuthError('server_error', 'An unexpected error occurred.', {
    status: 500,
    expose: false,
    ...(detail === undefined ? {} : { detail }),
  });

/** An unknown object (the admin API's clients, the SalesIQ-style API's portals): 404. */
export const notFound = (description: string): OAuthError =>
  new OAuthError('not_found', description, { status: 404, redirectable: false });

/**
 * The codes of internal and configuration errors (not protocol answers):
 * - `config_invalid`: a bad option value (the CLI exits 2);
 * - `testing_usage`: a wrong call of `tollgate/testing`;
 * - `startup_failed`: the server cannot start as configured (database not writable, port taken).
 */
export type TollgateErrorCode = 'config_invalid' | 'testing_usage' | 'startup_failed';

/** Internal and configuration errors: not protocol answers, each with a stable code. */
export class TollgateError extends Error {
  readonly code: TollgateErrorCode;
  constructor(code: TollgateErrorCode, message: string) {
    super(message);
    this.name = 'TollgateError';
    this.code = code;
  }
}
