/**
 * The emulator's control API under `/_emulator/` (SPEC R12): JSON in and out.
 *
 *   GET    /_emulator/clock          {"now", "offset_ms"}
 *   POST   /_emulator/clock          {"advance_seconds": n} or {"now": epoch ms}
 *   DELETE /_emulator/clock          back to real time
 *   GET    /_emulator/faults         the rules in force, with what is left of `times`
 *   POST   /_emulator/faults         add a rule → 201 {"id"}
 *   DELETE /_emulator/faults[/:id]   remove one, or all
 *   GET    /_emulator/requests       the request log (?endpoint=&client_id=&limit=), oldest first
 *   DELETE /_emulator/requests       clear it
 *
 * Bad input is 400 naming the field and changes nothing. When the server listens on a
 * non-loopback address, the admin key is required (`Authorization: Bearer <key>`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { verifyAdminKey } from '../../core/admin-keys.ts';
import { notFound, OAuthError } from '../../core/errors.ts';
import { FaultInputError, parseFaultInput } from '../../core/faults.ts';
import { REQUEST_LOG_SIZE, type RequestFilter } from '../../core/request-log.ts';
import { renderError } from '../render-error.ts';
import type { ServerContext } from '../context.ts';
import type { Emulator } from './emulator.ts';
import { emulatorPage, emulatorScript } from '../ui/emulator-page.ts';

/** The furthest the clock may be moved in one step, or set from real time: 100 years. */
export const MAX_CLOCK_JUMP_MS = 100 * 365 * 86_400_000;

const json = { config: { errorKind: 'admin' as const } };

/** A 400 naming the field. */
export function fieldError(field: string, message: string): OAuthError {
  return new OAuthError('invalid_request', message, {
    fields: { [field]: message },
    redirectable: false,
  });
}

/** Whether a listen address only takes connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw fieldError('body', 'The body must be a JSON object.');
  return body as Record<string, unknown>;
}

function clockView(ctx: ServerContext): { now: number; offset_ms: number } {
  return { now: ctx.clock.now(), offset_ms: ctx.clock.offsetMs };
}

function readFilter(query: Record<string, unknown>): RequestFilter {
  const filter: RequestFilter = {};
  for (const key of Object.keys(query)) {
    if (key !== 'endpoint' && key !== 'client_id' && key !== 'limit')
      throw fieldError(key, `Unknown parameter ${key.slice(0, 50)}.`);
  }
  if (typeof query.endpoint === 'string' && query.endpoint !== '') filter.endpoint = query.endpoint;
  if (typeof query.client_id === 'string' && query.client_id !== '')
    filter.client_id = query.client_id;
  if (query.limit !== undefined && query.limit !== '') {
    const limit =
      typeof query.limit === 'string' && /^\d{1,5}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (!(limit >= 1 && limit <= REQUEST_LOG_SIZE))
      throw fieldError('limit', `limit must be a whole number from 1 to ${REQUEST_LOG_SIZE}.`);
    filter.limit = limit;
  }
  return filter;
}

/** Registers `/_emulator/*`. */
export async function registerControlApi(app: FastifyInstance, emulator: Emulator): Promise<void> {
  const ctx = app.tollgate;
  await app.register(
    async (api) => {
      if (!isLoopbackHost(ctx.config.host)) {
        api.addHook('onRequest', async (request) => {
          const match = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
          const key = match?.[1] ? await verifyAdminKey(ctx.store, match[1], ctx.now()) : undefined;
          if (!key)
            throw new OAuthError(
              'invalid_token',
              'This server listens beyond this machine: send an admin key as Authorization: Bearer <key>.',
              { status: 401, redirectable: false },
            );
        });
      }
      api.setNotFoundHandler(async (request, reply) =>
        renderError(
          'admin',
          notFound('No such emulator route.'),
          request,
          reply,
          ctx.config.profile,
        ),
      );

      api.get('', { config: { errorKind: 'page' } }, async (_request, reply) =>
        reply
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(emulatorPage()),
      );
      api.get('/page.js', { config: { errorKind: 'page' } }, async (_request, reply) =>
        reply
          .type('text/javascript; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(emulatorScript()),
      );

      api.get('/clock', json, async (_request, reply) =>
        reply.header('cache-control', 'no-store').send(clockView(ctx)),
      );
      api.post('/clock', json, async (request, reply) => {
        const body = bodyObject(request);
        const keys = Object.keys(body);
        const unknown = keys.find((k) => k !== 'advance_seconds' && k !== 'now');
        if (unknown !== undefined)
          throw fieldError(unknown, `Unknown field ${unknown.slice(0, 50)}.`);
        if (keys.length !== 1)
          throw fieldError('body', 'Send exactly one of advance_seconds and now.');
        if ('advance_seconds' in body) {
          const s = body.advance_seconds;
          if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s * 1000 > MAX_CLOCK_JUMP_MS)
            throw fieldError(
              'advance_seconds',
              'advance_seconds must be a number of seconds from 0 to 100 years.',
            );
          ctx.clock.advance(Math.round(s * 1000));
        } else {
          const now = body.now;
          const real = ctx.clock.now() - ctx.clock.offsetMs;
          if (
            typeof now !== 'number' ||
            !Number.isInteger(now) ||
            now <= 0 ||
            Math.abs(now - real) > MAX_CLOCK_JUMP_MS
          )
            throw fieldError(
              'now',
              'now must be a time in Unix milliseconds within 100 years of today.',
            );
          ctx.clock.set(now);
        }
        return reply.header('cache-control', 'no-store').send(clockView(ctx));
      });
      api.delete('/clock', json, async (_request, reply) => {
        ctx.clock.reset();
        return reply.header('cache-control', 'no-store').send(clockView(ctx));
      });

      api.get('/faults', json, async (_request, reply) =>
        reply.header('cache-control', 'no-store').send({ faults: emulator.faults.list() }),
      );
      api.post('/faults', json, async (request, reply) => {
        let input;
        try {
          input = parseFaultInput(request.body);
        } catch (error) {
          if (error instanceof FaultInputError) throw fieldError(error.field, error.message);
          throw error;
        }
        const rule = emulator.faults.add(input);
        return reply.status(201).header('cache-control', 'no-store').send({ id: rule.id });
      });
      api.delete('/faults', json, async (_request, reply) => {
        emulator.faults.clear();
        return reply.header('cache-control', 'no-store').send({ faults: [] });
      });
      api.delete('/faults/:id', json, async (request, reply) => {
        const { id } = request.params as { id: string };
        if (!emulator.faults.remove(id)) throw notFound('No fault with this id.');
        return reply.header('cache-control', 'no-store').send({ faults: emulator.faults.list() });
      });

      api.get('/requests', json, async (request, reply) => {
        const filter = readFilter(request.query as Record<string, unknown>);
        return reply
          .header('cache-control', 'no-store')
          .send({ requests: emulator.log.list(filter) });
      });
      api.delete('/requests', json, async (_request, reply) => {
        emulator.log.clear();
        return reply.header('cache-control', 'no-store').send({ requests: [] });
      });
    },
    { prefix: '/_emulator' },
  );
}
