/**
 * GET /metrics (SPEC R15.2): the Prometheus text exposition of this instance's metrics, served
 * only with `--metrics` (without it the path is 404, like any unknown path). Put it behind the
 * reverse proxy's access rules: it tells how the server is used, though it holds no secret.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteModule } from '../routes.ts';

async function register(app: FastifyInstance): Promise<void> {
  const { metrics } = app.tollgate;
  if (!metrics) return;
  app.get('/metrics', { config: { errorKind: 'resource' } }, async (_request, reply) =>
    reply
      .header('cache-control', 'no-store')
      .type(metrics.contentType)
      .send(await metrics.render()),
  );
}

/** It owns no prefix: with `--metrics` off, `/metrics` is a plain 404 page in every profile. */
export const metricsEndpoint: RouteModule = { register };
