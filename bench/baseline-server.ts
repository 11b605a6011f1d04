/**
 * The baselines of the benchmark: a bare Fastify 5 app in the same kind of process as Tollgate
 * (compiled JavaScript run by plain node, the same pino settings and the same one-line-per-request
 * hook), so the ratio of an endpoint to its baseline is what Tollgate adds beyond the HTTP stack.
 *
 * - `GET /baseline/get` answers a small JSON body (baseline A, the limit for GET endpoints).
 * - `POST /baseline/post` parses a url-encoded body and answers a small JSON body (baseline B).
 *
 * The bench compiles it first (bench/build.ts, bench/tsconfig.baseline.json). By hand:
 * `node --import tsx bench/baseline-server.ts [--port 0] [--host 127.0.0.1] [--log-level warn]`
 */
import Fastify, { LogController } from 'fastify';
import formbody from '@fastify/formbody';
import { parseArgs } from 'node:util';
import { loggerOptions } from '../src/server/logging.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'log-level': { type: 'string', default: 'warn' },
  },
});

const app = Fastify({
  logger: loggerOptions(values['log-level']),
  logController: new LogController({ disableRequestLogging: true }),
  bodyLimit: 100 * 1024,
  keepAliveTimeout: 10_000,
});

// The same request line as src/server/app.ts writes, so both do the same logging work.
app.addHook('onResponse', async (request, reply) => {
  request.log.info(
    {
      method: request.method,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    },
    'request',
  );
});
await app.register(formbody, { bodyLimit: 100 * 1024 });

app.get('/baseline/get', async (_request, reply) =>
  reply.header('cache-control', 'no-store').send({ status: 'ok', ZUID: 123456789 }),
);

app.post('/baseline/post', async (request, reply) => {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const grantType = typeof body.grant_type === 'string' ? body.grant_type : '';
  return reply.header('cache-control', 'no-store').send({ status: 'ok', grant_type: grantType });
});

const address = await app.listen({ port: Number(values.port), host: values.host });
process.stdout.write(`Baseline is listening on ${address}\n`);

let closing = false;
const shutdown = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  await app.close();
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
