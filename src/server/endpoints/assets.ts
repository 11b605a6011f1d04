/** Static assets beside the stylesheet: the progressive-enhancement script (no inline scripts under the CSP). */
import type { FastifyInstance } from 'fastify';
import { APP_SCRIPT } from '../ui/app-script.ts';
import type { RouteModule } from '../routes.ts';

async function register(app: FastifyInstance): Promise<void> {
  app.get('/assets/app.js', { config: { errorKind: 'page' } }, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(APP_SCRIPT),
  );
}

export const assetEndpoints: RouteModule = { register };
