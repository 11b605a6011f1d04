/**
 * Minting authorization codes: for the authorization endpoint and for self clients' console.
 * Only the hash is stored; the code is returned once.
 */
import { codesThrottled } from './errors.ts';
import { generateToken, hashSecret } from './ids.ts';
import type { AuthorizationCode, Store } from '../store/types.ts';

export interface MintCodeOptions extends Pick<
  AuthorizationCode,
  | 'clientId'
  | 'zuid'
  | 'scopes'
  | 'redirectUri'
  | 'offline'
  | 'codeChallenge'
  | 'codeChallengeMethod'
  | 'state'
> {
  description?: string | null;
  /** Resource indicators (RFC 8707); none by default. */
  resources?: string[];
  /** The DPoP key thumbprint the code is bound to (RFC 9449 §10). */
  dpopJkt?: string | null;
  /** OpenID Connect: the request's nonce and the time of sign-in (SPEC R13.3). */
  nonce?: string | null;
  authTime?: number | null;
  lifetimeSeconds: number;
  now: number;
  /** SPEC R5.5: at most `limit` codes per client per window, else access_denied. */
  throttle: { limit: number; windowMs: number } | null;
}

export async function mintCode(
  store: Store,
  options: MintCodeOptions,
): Promise<{ code: string; expiresAt: number }> {
  if (options.throttle) {
    const hit = await store.hitCounter(
      `codes:${options.clientId}`,
      options.throttle.windowMs,
      options.now,
    );
    if (hit.count > options.throttle.limit) {
      throw codesThrottled();
    }
  }
  const code = generateToken();
  const record: AuthorizationCode = {
    codeHash: hashSecret(code),
    clientId: options.clientId,
    zuid: options.zuid,
    scopes: options.scopes,
    redirectUri: options.redirectUri,
    offline: options.offline,
    codeChallenge: options.codeChallenge,
    codeChallengeMethod: options.codeChallengeMethod,
    state: options.state,
    description: options.description ?? null,
    resources: options.resources ?? [],
    dpopJkt: options.dpopJkt ?? null,
    nonce: options.nonce ?? null,
    authTime: options.authTime ?? null,
    expiresAt: options.now + options.lifetimeSeconds * 1000,
    createdAt: options.now,
  };
  await store.saveCode(record);
  return { code, expiresAt: record.expiresAt };
}
