/**
 * The admin JSON API (issue 3): what the console does, for scripts. Authenticated by an admin
 * key from `tollgate admin-key create` as `Authorization: Bearer <key>`; only the key's hash is
 * stored. Registration rules come from core/registration.ts, like the console's and the CLI's.
 *
 *   GET    /admin/api/clients                   list (optionally ?owner_email=)
 *   POST   /admin/api/clients                   create → client_id and client_secret (once)
 *   GET    /admin/api/clients/:id               one client
 *   PATCH  /admin/api/clients/:id               change name, domain, redirect_uris
 *   DELETE /admin/api/clients/:id               delete, revoking every code and token it holds
 *   POST   /admin/api/clients/:id/rotate-secret new client_secret; the old one stops at once
 *   GET    /admin/api/audit-events              audit events, newest first (SPEC R15.3):
 *                                               ?since=1h|ISO date, ?type=a,b, ?zuid=, ?limit=
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { verifyAdminKey } from '../../core/admin-keys.ts';
import {
  ClientInputError,
  checkClientInput,
  parseClientInput,
  registerClient,
  rotateSecret,
  type ClientField,
} from '../../core/registration.ts';
import type { AuditQuery, Client } from '../../store/types.ts';
import { auditEventJson, parseAuditTypes, parseSince } from '../../core/audit-query.ts';
import { notFound, OAuthError } from '../../core/errors.ts';
import { renderError } from '../render-error.ts';
import type { RouteModule } from '../routes.ts';

/** JSON names of the registration fields. */
const WIRE_FIELD: Record<ClientField | 'owner', string> = {
  name: 'name',
  domain: 'domain',
  redirectUris: 'redirect_uris',
  type: 'type',
  profile: 'profile',
  dataCentres: 'data_centres',
  owner: 'owner_email',
};

const noSuchClient = (): OAuthError => notFound('No client with this client_id.');

/** A body with field problems: invalid_request, the problems under their JSON names. */
function wireProblems(problems: Partial<Record<ClientField | 'owner', string>>): OAuthError {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(problems)) fields[WIRE_FIELD[k as ClientField] ?? k] = v;
  return new OAuthError('invalid_request', Object.values(problems).join(' '), {
    fields,
    redirectable: false,
  });
}

function toWire(client: Client): Record<string, unknown> {
  return {
    client_id: client.clientId,
    name: client.name,
    domain: client.domain,
    type: client.type,
    redirect_uris: client.redirectUris,
    owner_zuid: client.ownerZuid,
    profile: client.profile,
    data_centres: client.dataCentres,
    created_at: new Date(client.createdAt).toISOString(),
  };
}

/** Most events one admin API answer lists (default 100). */
const AUDIT_LIMIT_MAX = 1_000;

/** The audit-events query string, each bad field named in `problems`. */
function readAuditQuery(query: Record<string, unknown>, now: number): AuditQuery {
  const problems: Record<string, string> = {};
  const out: AuditQuery = { limit: 100 };
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      problems[name] = `Give ${name} once.`;
      return undefined;
    }
    return value;
  };
  const since = text('since');
  if (since !== undefined) {
    const at = parseSince(since, now);
    if (at === undefined) problems.since = 'since is a duration (30m, 1h, 7d) or an ISO 8601 date.';
    else out.since = at;
  }
  const type = text('type');
  if (type !== undefined) {
    const types = parseAuditTypes(type);
    if (types === undefined) problems.type = 'type names audit event types, comma-separated.';
    else out.types = types;
  }
  const zuid = text('zuid');
  if (zuid !== undefined) {
    if (!/^\d{1,15}$/.test(zuid)) problems.zuid = 'zuid is a user id.';
    else out.zuid = Number(zuid);
  }
  const limit = text('limit');
  if (limit !== undefined) {
    const n = /^\d{1,4}$/.test(limit) ? Number(limit) : 0;
    if (n < 1 || n > AUDIT_LIMIT_MAX)
      problems.limit = `limit is a whole number from 1 to ${AUDIT_LIMIT_MAX}.`;
    else out.limit = n;
  }
  if (Object.keys(problems).length > 0)
    throw new OAuthError('invalid_request', Object.values(problems).join(' '), {
      fields: problems,
      redirectable: false,
    });
  return out;
}

function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new OAuthError('invalid_request', 'The body must be a JSON object.', {
      redirectable: false,
    });
  return body as Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin key of an admin API request, as an audit actor (`admin-key:<id>`). */
    adminActor: string;
  }
}

/** Every admin route answers errors as the admin API's JSON. */
const admin = { config: { errorKind: 'admin' as const } };

async function register(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;

  await app.register(
    async (api) => {
      api.decorateRequest('adminActor', '');
      api.addHook('onRequest', async (request) => {
        const header = request.headers.authorization ?? '';
        const match = /^Bearer +(\S+)$/i.exec(header);
        const key = match?.[1] ? await verifyAdminKey(ctx.store, match[1], ctx.now()) : undefined;
        if (!key)
          throw new OAuthError(
            'invalid_token',
            'Send an admin key as Authorization: Bearer <key> (create one with `tollgate admin-key create`).',
            { status: 401, redirectable: false },
          );
        request.adminActor = `admin-key:${key.id}`;
        await ctx.audit.record(request, {
          type: 'admin_key_used',
          actor: request.adminActor,
          detail: { method: request.method, route: request.routeOptions.url ?? 'unmatched' },
        });
      });
      const audit = (
        request: FastifyRequest,
        type: 'client_created' | 'client_rotated' | 'client_deleted',
        clientId: string,
      ): Promise<void> => ctx.audit.record(request, { type, clientId, actor: request.adminActor });

      api.setNotFoundHandler(async (request, reply) =>
        renderError(
          'admin',
          notFound('No such admin API route.'),
          request,
          reply,
          ctx.config.profile,
        ),
      );

      const found = async (id: string): Promise<Client> => {
        const client = id.length <= 64 ? await ctx.store.findClient(id) : undefined;
        if (!client) throw noSuchClient();
        return client;
      };
      const idOf = (request: FastifyRequest): string => (request.params as { id: string }).id;

      api.get('/audit-events', admin, async (request, reply) => {
        const query = request.query as Record<string, unknown>;
        const events = await ctx.store.listAuditEvents(readAuditQuery(query, ctx.now()));
        return reply
          .header('cache-control', 'no-store')
          .send({ audit_events: events.map(auditEventJson) });
      });

      api.get('/clients', admin, async (request, reply) => {
        const ownerEmail = (request.query as Record<string, unknown>).owner_email;
        let owner: number | undefined;
        if (typeof ownerEmail === 'string') {
          const user = await ctx.store.findUserByEmail(ownerEmail);
          if (!user) return reply.header('cache-control', 'no-store').send({ clients: [] });
          owner = user.zuid;
        }
        const clients = await ctx.store.listClients(owner);
        return reply.header('cache-control', 'no-store').send({ clients: clients.map(toWire) });
      });

      api.post('/clients', admin, async (request, reply) => {
        const body = bodyObject(request);
        const input = {
          name: body.name,
          domain: body.domain,
          redirectUris: body.redirect_uris ?? [],
          type: body.type,
          profile: body.profile,
          dataCentres: body.data_centres,
        };
        const problems: Partial<Record<ClientField | 'owner', string>> = checkClientInput(input);
        let ownerZuid: number | null = null;
        if (body.owner_email !== undefined) {
          const owner =
            typeof body.owner_email === 'string'
              ? await ctx.store.findUserByEmail(body.owner_email)
              : undefined;
          if (owner) ownerZuid = owner.zuid;
          else problems.owner = 'No user has this owner_email.';
        } else if (body.type === 'self') {
          problems.owner = 'A self client needs an owner_email.';
        }
        if (Object.keys(problems).length > 0) throw wireProblems(problems);
        const { client, clientSecret } = await registerClient(
          ctx.store,
          input,
          ownerZuid,
          ctx.now(),
        );
        await audit(request, 'client_created', client.clientId);
        return reply
          .status(201)
          .header('cache-control', 'no-store')
          .send({ ...toWire(client), client_secret: clientSecret });
      });

      api.get('/clients/:id', admin, async (request, reply) =>
        reply.header('cache-control', 'no-store').send(toWire(await found(idOf(request)))),
      );

      api.patch('/clients/:id', admin, async (request, reply) => {
        const client = await found(idOf(request));
        const body = bodyObject(request);
        const input = {
          name: body.name ?? client.name,
          domain: body.domain ?? client.domain,
          redirectUris: body.redirect_uris ?? client.redirectUris,
          type: client.type,
          dataCentres: body.data_centres === undefined ? client.dataCentres : body.data_centres,
        };
        let parsed;
        try {
          parsed = parseClientInput(input);
        } catch (error) {
          if (error instanceof ClientInputError) throw wireProblems(error.problems);
          throw error;
        }
        const updated = await ctx.store.updateClient(client.clientId, {
          name: parsed.name,
          domain: parsed.domain,
          redirectUris: parsed.redirectUris,
          dataCentres: parsed.dataCentres ?? null,
        });
        if (!updated) throw noSuchClient();
        return reply.header('cache-control', 'no-store').send(toWire(updated));
      });

      api.delete('/clients/:id', admin, async (request, reply) => {
        const id = idOf(request);
        if (id.length > 64 || !(await ctx.store.deleteClient(id))) throw noSuchClient();
        await audit(request, 'client_deleted', id);
        return reply.header('cache-control', 'no-store').send({ client_id: id, deleted: true });
      });

      api.post('/clients/:id/rotate-secret', admin, async (request, reply) => {
        const id = idOf(request);
        let secret;
        try {
          secret = id.length <= 64 ? await rotateSecret(ctx.store, id) : undefined;
        } catch (error) {
          if (error instanceof ClientInputError) throw wireProblems(error.problems);
          throw error;
        }
        if (secret === undefined) throw noSuchClient();
        await audit(request, 'client_rotated', id);
        return reply
          .header('cache-control', 'no-store')
          .send({ client_id: id, client_secret: secret });
      });
    },
    { prefix: '/admin/api' },
  );
}

export const adminApiEndpoints: RouteModule = {
  owns: [{ prefix: '/admin/api/', kind: 'admin' }],
  register,
};
