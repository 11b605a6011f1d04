/**
 * grant_type=refresh_token (SPEC R4.5, R5.3, R5.5; RFC 6749 §6). Zoho does not rotate refresh
 * tokens; public clients' tokens rotate, and reusing a rotated one ends its family (RFC 9700 §4.14).
 */
import { invalidGrant, throttled } from '../../core/errors.ts';
import { generateToken, hashSecret } from '../../core/ids.ts';
import { isPublicClient } from '../../core/registration.ts';
import { checkGrantDataCentre } from '../checks/check-data-centre.ts';
import { allowedResources, checkResources, narrowResources } from '../../core/resources.ts';
import { paramValues } from '../params.ts';
import { newAccessToken } from '../access-token.ts';
import { checked, tokenResponse, type Grant } from './types.ts';

export const refreshTokenGrant: Grant = {
  grantType: 'refresh_token',
  parameters: {
    required: ['refresh_token'],
    optional: ['redirect_uri', 'redirect_url', 'resource'],
  },
  async handle({ ctx, request, params, client, profile, dpopJkt }) {
    const refreshToken = checked(params, 'refresh_token');
    const requested = checkResources(
      paramValues(request, 'resource'),
      allowedResources(ctx.config.resources),
    );
    const refreshTokenHash = hashSecret(refreshToken);
    // The granted resources never change within a family, so they are read before minting.
    const known = await ctx.store.findRefreshToken(refreshTokenHash);
    const audience =
      known && known.clientId === client.client.clientId
        ? narrowResources(requested, known.resources)
        : requested;
    if (ctx.isMultiDc) await checkGrantDataCentre(ctx, known?.zuid, 'refresh token');
    // RFC 9449 §5: a refresh token bound to a key (public clients') is used only with a proof by
    // that key. The binding never changes within a family, so it is checked before minting.
    if (known?.dpopJkt != null && known.dpopJkt !== dpopJkt)
      throw invalidGrant(
        dpopJkt === undefined
          ? 'This refresh token is DPoP-bound: send a DPoP proof by its key.'
          : 'The DPoP proof is signed by another key than the refresh token is bound to.',
      );
    const now = ctx.now();
    const expiresAt = now + ctx.config.accessTokenTtl * 1000;
    // A JWT access token (SPEC R14.8) is signed before the mint, from the token read above;
    // an unknown token gets a random value and the mint refuses it.
    const accessToken =
      known && known.clientId === client.client.clientId
        ? await newAccessToken(ctx, {
            client: client.client,
            zuid: known.zuid,
            scopes: known.scopes,
            audience,
            dpopJkt,
            now,
            expiresAt,
          })
        : generateToken();
    const rotated = isPublicClient(client.client.type) ? generateToken() : null;
    const result = await ctx.store.mintAccessToken({
      now,
      refreshTokenHash,
      clientId: client.client.clientId,
      access: {
        tokenHash: hashSecret(accessToken),
        expiresAt,
        audience,
        dpopJkt: dpopJkt ?? null,
      },
      accessTokenCap: ctx.config.accessTokensPerRefresh,
      throttle: ctx.config.throttle
        ? { limit: ctx.config.refreshMintLimit, windowMs: ctx.config.throttleWindow * 1000 }
        : null,
      rotateTo: rotated === null ? null : hashSecret(rotated),
      // Whose token it is, read above: PostgreSQL takes the grant lock without reading it again.
      ...(known && known.clientId === client.client.clientId ? { zuid: known.zuid } : {}),
    });
    switch (result.outcome) {
      case 'unknown':
        throw invalidGrant('The refresh token is unknown or revoked.');
      case 'reused-rotated':
        throw invalidGrant('The refresh token was already rotated; its family is now revoked.');
      case 'throttled':
        throw throttled(result.retryAfterMs / 1000);
      case 'minted':
        await ctx.recordUse(result.refreshToken.zuid, client.client.clientId);
        return tokenResponse(ctx, profile, {
          accessToken,
          refreshToken: rotated ?? undefined,
          scopes: result.refreshToken.scopes,
          dpopJkt,
        });
    }
  },
};
