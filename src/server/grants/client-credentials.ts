/**
 * grant_type=client_credentials, for self clients only: an access token for the client's owner
 * (SPEC R4.6; RFC 6749 §4.4). No refresh token. In the zoho profiles the request names the
 * organisation it acts in, `soid=<Service>.<org id>`, else `missing_org_info` (SPEC R13.6).
 * @see https://zoho.com/accounts/protocol/oauth/self-client/client-credentials-flow.html
 */
import {
  invalidGrant,
  invalidRequest,
  missingOrgInfo,
  unauthorizedClient,
} from '../../core/errors.ts';
import { hashSecret } from '../../core/ids.ts';
import { newAccessToken } from '../access-token.ts';
import { traitsOf } from '../../core/profiles.ts';
import { allowedResources, checkResources } from '../../core/resources.ts';
import { checkOwnerDataCentre } from '../checks/check-data-centre.ts';
import { param, paramValues } from '../params.ts';
import { checked, tokenResponse, type Grant } from './types.ts';

/** Zoho's syntax `{servicename}.{zsoid}`: a service name, a dot, the organisation's numeric id. */
const SOID = /^[A-Za-z][A-Za-z0-9_]{0,63}\.[0-9]{1,30}$/;

export const clientCredentialsGrant: Grant = {
  grantType: 'client_credentials',
  parameters: { required: ['scope'], optional: ['soid', 'resource'] },
  async handle({ ctx, request, params, client, profile, dpopJkt }) {
    const { clientId, type, ownerZuid } = client.client;
    if (type !== 'self') throw unauthorizedClient('Only self clients may use client_credentials.');
    if (ownerZuid === null) throw unauthorizedClient('This self client has no owner to act for.');
    const owner = await ctx.store.findUser(ownerZuid);
    if (!owner || owner.disabled)
      throw unauthorizedClient("The self client's owner account is not active.");
    await checkOwnerDataCentre(ctx, ownerZuid);
    const soid = param(params, 'soid');
    if (soid === undefined && traitsOf(profile).selfClientSoidRequired) throw missingOrgInfo();
    if (soid !== undefined && !SOID.test(soid))
      throw invalidRequest('soid must look like <Service>.<org id>, e.g. ZohoCRM.600123434.');
    const scopes = ctx.scopes.parse(checked(params, 'scope'));
    if (scopes.length === 0) throw invalidRequest('scope is required.');
    const audience = checkResources(
      paramValues(request, 'resource'),
      allowedResources(ctx.config.resources),
    );
    const now = ctx.now();
    const expiresAt = now + ctx.config.accessTokenTtl * 1000;
    const accessToken = await newAccessToken(ctx, {
      client: client.client,
      zuid: ownerZuid,
      scopes,
      audience,
      dpopJkt,
      now,
      expiresAt,
    });
    const saved = await ctx.store.saveAccessToken(
      {
        tokenHash: hashSecret(accessToken),
        clientId,
        zuid: ownerZuid,
        scopes,
        expiresAt,
        refreshTokenId: null,
        codeHash: null,
        audience,
        dpopJkt: dpopJkt ?? null,
      },
      now,
    );
    if (saved.outcome === 'grant-revoked')
      throw invalidGrant('The client was deleted or the user disabled while issuing tokens.');
    return tokenResponse(ctx, profile, { accessToken, scopes, dpopJkt });
  },
};
