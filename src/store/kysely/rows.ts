/**
 * Row mappers between the tables (snake_case, lists as text, booleans as 0/1, PostgreSQL int8 as
 * numbers or strings) and the Store's types. Each lives here once; sections import them.
 */
import type { WireProfile } from '@tollgate/resource';
import type {
  AccessTokenFormat,
  AccessTokenInfo,
  AccessTokenWithUser,
  AuthorizationCode,
  Client,
  ClientRegistration,
  ClientType,
  RefreshToken,
  User,
} from '../types.ts';
import type { AccessTokenRow, AccessTokenUserRow } from './hot-reads.ts';
import type { AuthCodesTable, ClientsTable, RefreshTokensTable, UsersTable } from './schema.ts';

/** Scopes are stored space-separated, as they travel in OAuth parameters. */
export const splitList = (s: string): string[] => (s.length === 0 ? [] : s.split(' '));
export const joinList = (l: readonly string[]): string => l.join(' ');

export function toUser(row: Omit<UsersTable, 'password_hash'>): User {
  return {
    zuid: Number(row.zuid),
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    disabled: row.disabled === 1,
    createdAt: Number(row.created_at),
    dc: row.dc ?? null,
  };
}

/** An access token's row as the Store's AccessTokenInfo. */
export function toAccessTokenInfo(row: AccessTokenRow): AccessTokenInfo {
  return {
    clientId: row.client_id,
    zuid: Number(row.zuid),
    scopes: splitList(row.scopes),
    expiresAt: Number(row.expires_at),
    refreshTokenId: row.refresh_token_id === null ? null : Number(row.refresh_token_id),
    audience: splitList(row.audience ?? ''),
    dpopJkt: row.dpop_jkt ?? null,
  };
}

/** The joined read of user info: a token and its user (undefined when the user row is gone). */
export function toAccessTokenWithUser(row: AccessTokenUserRow): AccessTokenWithUser {
  return {
    ...toAccessTokenInfo(row),
    user:
      row.user_zuid === null
        ? undefined
        : toUser({
            zuid: row.user_zuid,
            email: row.user_email ?? '',
            first_name: row.user_first_name ?? '',
            last_name: row.user_last_name ?? '',
            display_name: row.user_display_name ?? '',
            disabled: Number(row.user_disabled),
            created_at: row.user_created_at ?? 0,
            dc: row.user_dc,
          }),
  };
}

export function toClient(row: ClientsTable): Client {
  return {
    clientId: row.client_id,
    name: row.name,
    domain: row.domain,
    type: row.type as ClientType,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    ownerZuid: row.owner_zuid === null ? null : Number(row.owner_zuid),
    profile: row.profile as WireProfile | null,
    dataCentres: row.data_centres ? (JSON.parse(row.data_centres) as string[]) : null,
    createdAt: Number(row.created_at),
    registration: (row.registration ?? null) as ClientRegistration | null,
    accessTokenFormat: (row.access_token_format ?? null) as AccessTokenFormat | null,
  };
}

export function toCode(row: AuthCodesTable): AuthorizationCode {
  return {
    codeHash: row.code_hash,
    clientId: row.client_id,
    zuid: Number(row.zuid),
    scopes: splitList(row.scopes),
    redirectUri: row.redirect_uri,
    offline: row.offline === 1,
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method as AuthorizationCode['codeChallengeMethod'],
    state: row.state,
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
    description: row.description,
    resources: splitList(row.resources ?? ''),
    dpopJkt: row.dpop_jkt ?? null,
    nonce: row.nonce ?? null,
    authTime: row.auth_time === null || row.auth_time === undefined ? null : Number(row.auth_time),
  };
}

export function toRefreshToken(row: Omit<RefreshTokensTable, 'id'> & { id: number }): RefreshToken {
  return {
    id: Number(row.id),
    clientId: row.client_id,
    zuid: Number(row.zuid),
    scopes: splitList(row.scopes),
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    rotatedAt: row.rotated_at === null ? null : Number(row.rotated_at),
    familyId: row.family_id,
    resources: splitList(row.resources ?? ''),
    dpopJkt: row.dpop_jkt ?? null,
  };
}
