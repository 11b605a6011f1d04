/**
 * Static assets beside the stylesheet: the progressive-enhancement script (no inline scripts
 * under the CSP) and the icon browsers ask for on every page (issue 17: it was a 404).
 */
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
  // An SVG at the address browsers try first; every current browser reads it by its type.
  app.get('/favicon.ico', { config: { errorKind: 'page' } }, async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG),
  );
}

/** A gate's arch on the accent colour of the stylesheet. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#1f5fd1"/>
<path d="M8 26V14a8 8 0 0 1 16 0v12h-4V14a4 4 0 0 0-8 0v12z" fill="#fff"/>
</svg>
`;

export const assetEndpoints: RouteModule = { register };
