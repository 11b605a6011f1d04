/**
 * Health checks for load balancers and orchestrators (SPEC R15.4): `GET /health` says the
 * process is alive and serving HTTP, touching nothing else; `GET /health/ready` says this
 * instance can serve requests: the database answered within a second and its migrations are
 * current. An instance that is not ready answers 503 with Retry-After and says why.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteModule } from '../routes.ts';

/** How long the database has to answer the readiness check (SPEC R15.4). */
export const READY_TIMEOUT_MS = 1_000;

async function register(app: FastifyInstance): Promise<void> {
  const { store } = app.tollgate;

  app.get('/health', { config: { errorKind: 'resource' } }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );

  app.get('/health/ready', { config: { errorKind: 'resource' } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const unready = (reason: string) =>
      reply.status(503).header('retry-after', '1').send({ status: 'unavailable', reason });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS);
    });
    try {
      const pending = await Promise.race([store.pendingMigrations(), timedOut]);
      if (pending === 'timeout')
        return unready(`The database did not answer within ${READY_TIMEOUT_MS} ms.`);
      if (pending.length > 0) return unready(`Migrations not applied: ${pending.join(', ')}.`);
      return reply.send({ status: 'ok' });
    } catch {
      return unready('The database is unavailable.');
    } finally {
      clearTimeout(timer);
    }
  });
}

export const healthEndpoints: RouteModule = {
  register,
  owns: [{ prefix: '/health', kind: 'resource' }],
};
