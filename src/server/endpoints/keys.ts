/**
 * GET /oauth/v2/keys: the JWK Set of the keys that sign ID tokens (SPEC R13.3; RFC 7517 §5).
 * It lists the signing key, a newly rotated one before it signs, and old ones until the tokens
 * they signed have expired (core/signing-keys.ts).
 */
import { DEFAULT_KEY_REFRESH_MS } from '../../core/signing-keys.ts';
import type { RouteModule } from '../routes.ts';

export const keysEndpoint: RouteModule = {
  owns: [{ prefix: '/oauth/v2/keys', kind: 'resource' }],

  metadata: (ctx) => ({ jwks_uri: `${ctx.issuer}/oauth/v2/keys` }),

  async register(app) {
    const ctx = app.tollgate;
    app.get('/oauth/v2/keys', { config: { errorKind: 'resource' } }, async (_request, reply) =>
      reply
        .header('cache-control', `public, max-age=${DEFAULT_KEY_REFRESH_MS / 1000}`)
        .type('application/jwk-set+json')
        .send(await ctx.keys.jwks()),
    );
  },
};
