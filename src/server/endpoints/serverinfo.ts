/**
 * GET /oauth/serverinfo (SPEC R13.1): every data centre's accounts server, by `location` name,
 * on any data centre, as Zoho answers it.
 * @see https://www.zoho.com/accounts/protocol/oauth/multi-dc/client-authorization.html
 */
import type { RouteModule } from '../routes.ts';

export const serverInfoEndpoint: RouteModule = {
  async register(app) {
    const ctx = app.tollgate;
    app.get('/oauth/serverinfo', { config: { errorKind: 'resource' } }, async (_request, reply) =>
      reply
        .header('cache-control', 'public, max-age=300')
        .send({ result: 'success', locations: ctx.locations }),
    );
  },
};
