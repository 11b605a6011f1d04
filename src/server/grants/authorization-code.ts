/**
 * grant_type=authorization_code (SPEC R4.2-R4.4, R5.1-R5.3; RFC 6749 §4.1.3).
 */
import { randomUUID } from 'node:crypto';
import { invalidGrant, invalidRedirectUri, invalidRequest } from '../../core/errors.ts';
import { generateToken, hashSecret } from '../../core/ids.ts';
import { param, redirectUriParam } from '../params.ts';
import { checkPkceVerifier } from '../checks/check-pkce.ts';
import { checked, tokenResponse, type Grant } from './types.ts';

export const authorizationCodeGrant: Grant = {
  grantType: 'authorization_code',
  parameters: {
    required: ['code'],
    optional: ['redirect_uri', 'redirect_url', 'code_verifier', 'scope', 'state'],
  },
  async handle({ ctx, params, client, profile }) {
    const code = checked(params, 'code');
    const redirectUri = redirectUriParam(params);
    const now = ctx.now();
    const codeHash = hashSecret(code);
    const result = await ctx.store.consumeCode(codeHash, now);
    if (result.outcome === 'unknown') throw invalidGrant('The code is unknown.');
    if (result.outcome === 'replayed') {
      // RFC 6749 §4.1.2: a code used twice revokes what it issued (SPEC R4.4).
      await ctx.store.revokeTokensFromCode(codeHash);
      throw invalidGrant('The code was already used; the tokens issued from it are revoked.');
    }
    const grant = result.code;
    if (grant.clientId !== client.client.clientId)
      throw invalidGrant('The code was issued to another client.');
    if (grant.expiresAt <= now) throw invalidGrant('The code has expired.');
    if (grant.redirectUri !== null && redirectUri !== grant.redirectUri) {
      throw invalidRedirectUri('redirect_uri does not match the one of the authorization request.');
    }
    checkPkceVerifier(grant, param(params, 'code_verifier'));
    // The seed lists scope and state as token parameters: when sent, they must be the original ones.
    const scope = param(params, 'scope');
    if (scope !== undefined) {
      const asked = ctx.scopes.parse(scope);
      if (asked.length !== grant.scopes.length || !asked.every((s) => grant.scopes.includes(s))) {
        throw invalidRequest('scope differs from the authorization request.');
      }
    }
    const state = param(params, 'state');
    if (state !== undefined && state !== grant.state)
      throw invalidRequest('state differs from the authorization request.');

    const accessToken = generateToken();
    const refreshToken = grant.offline ? generateToken() : undefined;
    const issued = await ctx.store.issueTokens({
      now,
      access: {
        tokenHash: hashSecret(accessToken),
        clientId: grant.clientId,
        zuid: grant.zuid,
        scopes: grant.scopes,
        expiresAt: now + ctx.config.accessTokenTtl * 1000,
        codeHash,
      },
      refresh: refreshToken
        ? { tokenHash: hashSecret(refreshToken), familyId: randomUUID() }
        : null,
      refreshTokenCap: ctx.config.refreshTokenCap,
    });
    if (issued.outcome === 'grant-revoked') {
      // The grant ended while this request ran (SPEC R2, R4.4): nothing was issued.
      throw invalidGrant(
        issued.reason === 'code-revoked'
          ? 'The code was revoked while its tokens were being issued.'
          : 'The client was deleted or the user disabled while issuing tokens.',
      );
    }
    return tokenResponse(ctx, profile, { accessToken, refreshToken, scopes: grant.scopes });
  },
};
