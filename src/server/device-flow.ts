/**
 * The device authorization flow's protocol steps (SPEC R13.2; RFC 8628 §3.1-§3.5), shared by
 * Zoho's `/oauth/v3/device/...` endpoints and RFC 8628's endpoint and token grant: start a
 * device authorization, and answer a poll. Tokens come out of the code-exchange path
 * (`redeemCode`): the approval wrote an authorization code, so single use, the caps of R5 and
 * a grant ended meanwhile behave as they do for codes.
 */
import { randomUUID } from 'node:crypto';
import {
  accessDenied,
  authorizationPending,
  codesThrottled,
  expiredToken,
  invalidGrant,
  invalidRequest,
  type OAuthError,
  otherDataCentre,
  slowDown,
  throttled,
  unauthorizedClient,
} from '../core/errors.ts';
import { deviceGrantCodeHash, generateDeviceCodes, hashUserCode } from '../core/device-codes.ts';
import { generateToken, hashSecret } from '../core/ids.ts';
import { refreshTokenOverflow } from '../core/limits.ts';
import { traitsOf, type WireProfile } from '../core/profiles.ts';
import { isPublicClient } from '../core/registration.ts';
import type { Client } from '../store/types.ts';
import type { ServerContext } from './context.ts';
import { issuedFromCode, type TokenResponse } from './grants/types.ts';
import { accessTokenFormat, newAccessToken } from './access-token.ts';
import { param, type Params } from './params.ts';

/** A started device authorization: what the device shows and polls with. */
export interface StartedDeviceAuthorization {
  deviceCode: string;
  userCode: string;
  /** The verification page, and the same with the user code in it. */
  verificationUri: string;
  verificationUriComplete: string;
  lifetimeMs: number;
  intervalMs: number;
}

/** The verification page's path (SPEC R13.2). */
export const VERIFICATION_PATH = '/oauth/v3/device';

/** Whether this server offers a form of the device flow (its profile's trait). */
export function offersDeviceFlow(ctx: ServerContext, form: 'zoho-v3' | 'rfc8628'): boolean {
  return traitsOf(ctx.config.profile).deviceFlow === form;
}

/** Zoho's documented gap between polls (its polling page), when `--device-slow-down zoho-30s`. */
const ZOHO_POLL_GAP_MS = 30_000;

/**
 * Starts a device authorization for a client: checks `scope`, `access_type` and `prompt` as the
 * authorization endpoint does, counts toward the client's code throttle (SPEC R5.5), and saves
 * the hashed codes.
 * @see RFC 8628 §3.1-§3.2
 */
export async function startDeviceAuthorization(
  ctx: ServerContext,
  client: Client,
  params: Params,
): Promise<StartedDeviceAuthorization> {
  if (client.type === 'self')
    throw unauthorizedClient('Self clients get codes from the developer console.');
  const scopes = ctx.scopes.parse(param(params, 'scope'));
  const accessType = (param(params, 'access_type') ?? 'online').toLowerCase();
  if (accessType !== 'online' && accessType !== 'offline')
    throw invalidRequest('access_type must be online or offline.');
  const prompt = param(params, 'prompt')?.toLowerCase();
  if (prompt !== undefined && prompt !== 'consent')
    throw invalidRequest('prompt must be consent when given.');
  const now = ctx.now();
  if (ctx.config.throttle) {
    const windowMs = ctx.config.throttleWindow * 1000;
    const hit = await ctx.store.hitCounter(`codes:${client.clientId}`, windowMs, now);
    if (hit.count > ctx.config.codeLimit) throw codesThrottled();
  }
  const { deviceCode, userCode } = generateDeviceCodes();
  const lifetimeMs = ctx.config.deviceCodeTtl * 1000;
  const intervalMs = ctx.config.deviceInterval * 1000;
  await ctx.store.saveDeviceCode({
    deviceCodeHash: hashSecret(deviceCode),
    userCodeHash: hashUserCode(userCode.replace('-', '')),
    clientId: client.clientId,
    scopes,
    offline: accessType === 'offline',
    promptConsent: prompt === 'consent',
    dataCentre: ctx.dataCentre,
    status: 'pending',
    zuid: null,
    intervalMs,
    expiresAt: now + lifetimeMs,
    createdAt: now,
    lastPolledAt: null,
  });
  const verificationUri = `${ctx.issuer}${VERIFICATION_PATH}`;
  return {
    deviceCode,
    userCode,
    verificationUri,
    verificationUriComplete: `${verificationUri}?user_code=${encodeURIComponent(userCode)}`,
    lifetimeMs,
    intervalMs,
  };
}

/** The least time between two polls (SPEC R13.2, or Zoho's documented 30 seconds). */
function pollGapMs(ctx: ServerContext, intervalMs: number): number {
  return ctx.config.deviceSlowDown === 'zoho-30s' ? ZOHO_POLL_GAP_MS : intervalMs;
}

/**
 * Answers one poll of a device code by its client: the RFC 8628 §3.5 errors (Zoho's names in
 * the zoho profiles), `other_dc` when the person's home is another data centre, then the tokens
 * once.
 * @throws OAuthError authorization_pending, slow_down, access_denied, expired_token, other_dc,
 *   invalid_grant (unknown, another client's, or already used).
 */
export async function pollDeviceAuthorization(
  ctx: ServerContext,
  client: Client,
  deviceCode: string,
  profile: WireProfile,
  dpopJkt?: string,
): Promise<TokenResponse> {
  const now = ctx.now();
  const deviceCodeHash = hashSecret(deviceCode);
  const gap = pollGapMs(ctx, ctx.config.deviceInterval * 1000);
  const poll = await ctx.store.pollDeviceCode(deviceCodeHash, client.clientId, now, gap);
  if (poll.outcome === 'unknown') throw invalidGrant('The device code is unknown.');
  const seen = poll.deviceCode;
  if (seen.status === 'ended')
    throw expiredToken('Too many wrong user codes were typed; start again.');
  if (seen.expiresAt <= now && seen.status !== 'denied')
    throw expiredToken('The device code has expired; start again.');
  if (poll.outcome === 'too-soon') throw slowDown();
  switch (seen.status) {
    case 'pending':
      throw authorizationPending();
    case 'denied':
      throw accessDenied('The person denied the request.');
    case 'approved':
      break;
  }
  if (seen.zuid !== null && ctx.isMultiDc) {
    const user = await ctx.store.findUser(seen.zuid);
    const home = user && ctx.homeOf(user);
    if (home !== undefined && home !== ctx.dataCentre) throw otherDataCentre(home);
  }
  return issueFromApproval(ctx, client, deviceGrantCodeHash(deviceCodeHash), profile, dpopJkt);
}

/** Exchanges the approval's authorization code for tokens, once (SPEC R4.2-R5.3). */
async function issueFromApproval(
  ctx: ServerContext,
  client: Client,
  codeHash: string,
  profile: WireProfile,
  dpopJkt: string | undefined,
): Promise<TokenResponse> {
  const now = ctx.now();
  const expiresAt = now + ctx.config.accessTokenTtl * 1000;
  // A JWT access token (SPEC R14.8) is signed before the approval's code is redeemed.
  const known =
    accessTokenFormat(ctx, client) === 'jwt' ? await ctx.store.findCode(codeHash) : undefined;
  const accessToken =
    known && known.clientId === client.clientId
      ? await newAccessToken(ctx, {
          client,
          zuid: known.zuid,
          scopes: known.scopes,
          audience: [],
          dpopJkt,
          now,
          expiresAt,
        })
      : generateToken();
  const refreshToken = generateToken();
  const result = await ctx.store.redeemCode<OAuthError>({
    codeHash,
    now,
    decide: (grant) =>
      grant.clientId !== client.clientId
        ? { refuse: invalidGrant('The device code is unknown.') }
        : {
            issue: {
              access: {
                tokenHash: hashSecret(accessToken),
                expiresAt,
                // A DPoP proof with the poll binds the tokens (RFC 9449 §5, SPEC R14.7).
                dpopJkt: dpopJkt ?? null,
              },
              refresh: grant.offline
                ? {
                    tokenHash: hashSecret(refreshToken),
                    familyId: randomUUID(),
                    dpopJkt: isPublicClient(client.type) ? (dpopJkt ?? null) : null,
                  }
                : null,
              refreshTokenCap: ctx.config.refreshTokenCap,
              refreshTokenOverflow: refreshTokenOverflow(ctx.config.limits),
            },
          },
  });
  switch (result.outcome) {
    case 'unknown':
      throw invalidGrant('The device code is unknown.');
    case 'refused':
      throw result.reason;
    case 'replayed':
      // The device already has its tokens: a device code is used once (RFC 8628 §3.5).
      throw invalidGrant('The device code was already used.');
    case 'refresh-cap-reached':
      throw throttled(ctx.config.throttleWindow);
    case 'grant-revoked':
      throw invalidGrant('The client was deleted or the user disabled while issuing tokens.');
    case 'issued':
      return issuedFromCode(ctx, profile, result.code, { accessToken, refreshToken, dpopJkt });
  }
}
