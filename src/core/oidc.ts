/**
 * OpenID Connect (SPEC R13.3): the identity scopes, the authorization request's OIDC parameters
 * (`nonce`, `prompt=login`, `max_age`), when a fresh sign-in is due, and the claims of the ID
 * token and of user info, as the scopes allow.
 * @see OpenID Connect Core 1.0 §3.1.2.1 (request), §2 (ID token), §5.4 (scope claims)
 */
import type { JWTPayload } from 'jose';
import type { User } from '../store/types.ts';
import { invalidRequest, invalidScope } from './errors.ts';
import type { ProfileTraits } from './profiles.ts';
import type { ScopeEntry } from './scopes.ts';

/** The scope that asks for an ID token, and the two that choose its claims. */
export const OPENID_SCOPE = 'openid';

/** Identity scopes, always in the catalogue (Zoho's "Sign in using Zoho" takes these three). */
export const IDENTITY_SCOPES: readonly ScopeEntry[] = [
  { name: 'openid', description: 'Sign you in to the app with your account' },
  { name: 'email', description: 'See your email address' },
  { name: 'profile', description: 'See your name' },
];

/** The claims Tollgate can put in an ID token or user info. */
export const CLAIMS_SUPPORTED = [
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'email',
  'email_verified',
  'name',
  'given_name',
  'family_name',
] as const;

/** The OIDC parameters of one authorization request. */
export interface OpenIdRequest {
  /** Whether `openid` was asked for (an ID token comes with the code's exchange). */
  openid: boolean;
  nonce: string | null;
  /** `prompt=login`: the person signs in again, whatever session they have. */
  promptLogin: boolean;
  /** `max_age` in milliseconds: a sign-in older than this is done again (0 forces it). */
  maxAgeMs: number | null;
}

const MAX_NONCE = 500;

/**
 * Reads `nonce` and `max_age`, and checks the identity scopes against the profile: Zoho requires
 * `email` with `openid` (its "Sign in using Zoho" page), so the zoho profiles refuse without it.
 * @throws OAuthError sent to the app (SPEC R3.3).
 */
export function readOpenIdRequest(
  scopes: readonly string[],
  prompts: readonly string[],
  raw: { nonce: string | undefined; maxAge: string | undefined },
  traits: Pick<ProfileTraits, 'openidNeedsEmail'>,
): OpenIdRequest {
  const openid = scopes.includes(OPENID_SCOPE);
  if (openid && traits.openidNeedsEmail && !scopes.includes('email'))
    throw invalidScope('Sign-in with openid needs the email scope too.');
  if (raw.nonce !== undefined && raw.nonce.length > MAX_NONCE)
    throw invalidRequest(`nonce is longer than ${MAX_NONCE} characters.`);
  let maxAgeMs: number | null = null;
  if (raw.maxAge !== undefined) {
    if (!/^\d{1,10}$/.test(raw.maxAge))
      throw invalidRequest('max_age must be a whole number of seconds.');
    maxAgeMs = Number(raw.maxAge) * 1000;
  }
  return {
    openid,
    nonce: raw.nonce === undefined || raw.nonce === '' ? null : raw.nonce,
    promptLogin: prompts.includes('login'),
    maxAgeMs,
  };
}

/**
 * Whether the person's sign-in satisfies the request: `prompt=login` and `max_age` want one that
 * is recent enough. `freshSince` is when the server sent the person to sign in again for this
 * request: a sign-in after it satisfies both (so `max_age=0` does not loop).
 */
export function signInSatisfies(
  request: OpenIdRequest,
  signedInAt: number,
  now: number,
  freshSince: number | undefined,
): boolean {
  if (freshSince !== undefined && signedInAt >= freshSince) return true;
  if (request.promptLogin) return false;
  return request.maxAgeMs === null || now - signedInAt <= request.maxAgeMs;
}

/** The profile claims the scopes allow (OIDC Core §5.4), for the ID token and user info. */
export function scopedClaims(user: User, scopes: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scopes.includes('email')) {
    claims.email = user.email;
    // Tollgate's accounts are made by an operator: their addresses count as verified.
    claims.email_verified = true;
  }
  if (scopes.includes('profile')) {
    claims.name = user.displayName;
    claims.given_name = user.firstName;
    claims.family_name = user.lastName;
  }
  return claims;
}

/** The claims of an ID token (OIDC Core §2). */
export function idTokenClaims(input: {
  issuer: string;
  clientId: string;
  user: User;
  scopes: readonly string[];
  nonce: string | null;
  authTime: number | null;
  now: number;
  lifetimeSeconds: number;
}): JWTPayload {
  return {
    iss: input.issuer,
    sub: String(input.user.zuid),
    aud: input.clientId,
    iat: Math.floor(input.now / 1000),
    exp: Math.floor(input.now / 1000) + input.lifetimeSeconds,
    ...(input.authTime !== null ? { auth_time: Math.floor(input.authTime / 1000) } : {}),
    ...(input.nonce !== null ? { nonce: input.nonce } : {}),
    ...scopedClaims(input.user, input.scopes),
  };
}
