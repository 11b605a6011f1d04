/** Store types for what the grants write: authorization codes and the tokens issued from them. */

export interface AuthorizationCode {
  codeHash: string;
  clientId: string;
  zuid: number;
  scopes: string[];
  /** The redirect URI of the authorization request; null for self-client codes. */
  redirectUri: string | null;
  /** Whether the exchange issues a refresh token (SPEC R5.1). */
  offline: boolean;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  state: string | null;
  expiresAt: number;
  createdAt: number;
  description: string | null;
  /** Resource indicators of the request (RFC 8707); none when absent or empty. */
  resources?: string[];
  /** The DPoP key the code is bound to (RFC 9449 §10), or null. */
  dpopJkt?: string | null;
  /** OpenID Connect: the request's `nonce`, for the ID token (SPEC R13.3). */
  nonce?: string | null;
  /** OpenID Connect: when the person signed in, Unix milliseconds (`auth_time`). */
  authTime?: number | null;
}

/**
 * What the caller decides about a consumed code, inside `redeemCode`'s transaction: issue these
 * tokens (the code supplies client, user, scopes and its hash), or refuse with a reason of its own.
 */
export type RedeemCodeDecision<R> =
  | {
      issue: {
        access: {
          tokenHash: string;
          expiresAt: number;
          audience?: string[];
          dpopJkt?: string | null;
        };
        refresh: NewRefreshToken | null;
        refreshTokenCap: number;
        /** Past the cap: evict the oldest (default) or refuse the new one (SPEC R12.4). */
        refreshTokenOverflow?: 'evict' | 'refuse';
      };
    }
  | { refuse: R };

export interface RedeemCodeInput<R> {
  codeHash: string;
  now: number;
  /** Checks the code against the token request (client, expiry, redirect URI, PKCE); no I/O. */
  decide(code: AuthorizationCode): RedeemCodeDecision<R>;
}

/** What `redeemCode` did; `replayed` means the code was consumed before (RFC 6749 §4.1.2). */
export type RedeemCodeResult<R> =
  | { outcome: 'issued'; code: AuthorizationCode; refreshTokenId: number | null; evicted: number }
  | { outcome: 'refused'; code: AuthorizationCode; reason: R }
  /** The user already holds the cap of refresh tokens and the overflow policy is `refuse`. */
  | { outcome: 'refresh-cap-reached'; code: AuthorizationCode }
  | { outcome: 'replayed'; code: AuthorizationCode }
  | { outcome: 'unknown' }
  | { outcome: 'grant-revoked'; reason: 'client-deleted-or-user-disabled' };

export type ConsumeCodeResult =
  | { outcome: 'consumed'; code: AuthorizationCode }
  | { outcome: 'replayed'; code: AuthorizationCode }
  | { outcome: 'unknown' };

export interface RefreshToken {
  id: number;
  clientId: string;
  zuid: number;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  /** Set when a public client's token was rotated; reusing it revokes the family. */
  rotatedAt: number | null;
  familyId: string;
  /** The resources granted (RFC 8707): a refresh may narrow the audience to some of them. */
  resources: string[];
  /** The DPoP key the token is bound to (RFC 9449 §5), or null. */
  dpopJkt: string | null;
}

/** A refresh token to write beside an access token. */
export interface NewRefreshToken {
  tokenHash: string;
  familyId: string;
  resources?: string[];
  dpopJkt?: string | null;
}

export interface AccessTokenInfo {
  clientId: string;
  zuid: number;
  scopes: string[];
  expiresAt: number;
  refreshTokenId: number | null;
  /** The resources the token is for (RFC 8707); empty: not audience-restricted. */
  audience: string[];
  /** The DPoP key thumbprint the token is bound to (RFC 9449 `cnf.jkt`), or null. */
  dpopJkt: string | null;
}

export interface NewAccessToken {
  tokenHash: string;
  clientId: string;
  zuid: number;
  scopes: string[];
  expiresAt: number;
  refreshTokenId: number | null;
  codeHash: string | null;
  /** RFC 8707 audience; none: not audience-restricted. */
  audience?: string[];
  /** RFC 9449 `cnf.jkt`. */
  dpopJkt?: string | null;
}

export interface IssueTokensInput {
  now: number;
  access: Omit<NewAccessToken, 'refreshTokenId'>;
  /** The refresh token to issue with it, if any. */
  refresh: NewRefreshToken | null;
  /** Cap on live refresh tokens per user and client; the oldest beyond it are evicted. */
  refreshTokenCap: number;
  /** Past the cap: evict the oldest (default) or refuse the new one (SPEC R12.4). */
  refreshTokenOverflow?: 'evict' | 'refuse';
}

/**
 * Why tokens were not written: the client was deleted or the user disabled (SPEC R2), or the code
 * was revoked by a replay (RFC 6749 §4.1.2), while the request ran. The grant answers
 * `invalid_grant`.
 */
export type GrantRevokedReason = 'client-deleted-or-user-disabled' | 'code-revoked';

/** What `issueTokens` did; `evicted` counts the refresh tokens removed by the cap (SPEC R5.2). */
export type IssueTokensResult =
  | { outcome: 'issued'; refreshTokenId: number | null; evicted: number }
  | { outcome: 'refresh-cap-reached' }
  | { outcome: 'grant-revoked'; reason: GrantRevokedReason };

/** What `saveAccessToken` did (client credentials, SPEC R4.6). */
export type SaveAccessTokenResult =
  | { outcome: 'saved' }
  | {
      outcome: 'grant-revoked';
      reason: Extract<GrantRevokedReason, 'client-deleted-or-user-disabled'>;
    };

export interface MintAccessTokenInput {
  now: number;
  refreshTokenHash: string;
  clientId: string;
  access: { tokenHash: string; expiresAt: number; audience?: string[]; dpopJkt?: string | null };
  /** Cap on live access tokens per refresh token; the oldest beyond it are invalidated. */
  accessTokenCap: number;
  /** Throttle: at most `limit` mints per refresh token per window, or null for none. */
  throttle: { limit: number; windowMs: number } | null;
  /** For public clients: rotate the refresh token to this new one (RFC 9700 §4.14). */
  rotateTo: string | null;
  /**
   * The token's user, when the caller read the token before (`findRefreshToken`): PostgreSQL
   * then takes the grant lock without reading it first. A wrong value costs a read, no more.
   */
  zuid?: number;
}

export type MintAccessTokenResult =
  /**
   * `evicted`: access tokens of this refresh token deleted past the cap (SPEC R5.3);
   * `rotatedOut`: access tokens of the old refresh token deleted by a rotation (public clients).
   */
  | { outcome: 'minted'; refreshToken: RefreshToken; evicted: number; rotatedOut: number }
  | { outcome: 'unknown' }
  | { outcome: 'throttled'; retryAfterMs: number }
  | { outcome: 'reused-rotated' };

/** Authorization codes: saved hashed, consumed once (SPEC R4.2-R4.4). */
export interface CodeStore {
  saveCode(code: AuthorizationCode): Promise<void>;
  /** A code without consuming it (to tell which data centre it belongs to, SPEC R13.1). */
  findCode(codeHash: string): Promise<AuthorizationCode | undefined>;
  /**
   * Marks a code used, in one conditional statement: the first caller gets `consumed`,
   * every later one `replayed` (RFC 6749 §4.1.2). Expiry is the caller's check.
   */
  consumeCode(codeHash: string, now: number): Promise<ConsumeCodeResult>;
  /**
   * The code exchange in one transaction under the grant lock: consume the code, let the caller
   * decide, and issue its tokens. There is no moment between consuming and issuing, so a replay
   * racing the first exchange (another instance, or the client's own retry) waits for it and then
   * revokes what it issued: exactly one exchange answers with tokens (SECURITY.md, issue 18).
   * A refused or revoked exchange still burns the code.
   */
  redeemCode<R>(input: RedeemCodeInput<R>): Promise<RedeemCodeResult<R>>;
  /** Revokes every token issued from a code (replay defence). Returns how many were revoked. */
  revokeTokensFromCode(codeHash: string): Promise<number>;
}

/** Access and refresh tokens with their caps, rotation and revocation (SPEC R4-R5). */
export interface TokenStore {
  /**
   * Issues an access token and, optionally, a refresh token, enforcing the refresh-token cap;
   * writes nothing (`grant-revoked`) when the grant ended meanwhile.
   */
  issueTokens(input: IssueTokensInput): Promise<IssueTokensResult>;
  /** The refresh grant: throttle, rotation and the access-token cap, in one transaction. */
  mintAccessToken(input: MintAccessTokenInput): Promise<MintAccessTokenResult>;
  /** Issues a standalone access token (client credentials), unless the grant ended meanwhile. */
  saveAccessToken(token: NewAccessToken, now: number): Promise<SaveAccessTokenResult>;
  findAccessToken(tokenHash: string): Promise<AccessTokenInfo | undefined>;
  findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined>;
  /**
   * Zoho's incremental authorization (SPEC R13.5): adds scopes to a live refresh token of the
   * client; false when it is gone (revoked, evicted, client deleted).
   */
  addRefreshTokenScopes(
    refreshTokenId: number,
    clientId: string,
    scopes: readonly string[],
  ): Promise<boolean>;
  /** Revokes a refresh token (with its access tokens) or an access token. */
  revokeToken(tokenHash: string, clientId?: string): Promise<'refresh' | 'access' | 'unknown'>;
  countLiveRefreshTokens(zuid: number, clientId: string): Promise<number>;
  countLiveAccessTokens(refreshTokenId: number, now: number): Promise<number>;
}

/** Everything the grants read and write: codes and the tokens issued from them. */
export interface GrantStore extends CodeStore, TokenStore {}
