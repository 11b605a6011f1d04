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
import type { Client } from '../../store/types.ts';
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

function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new OAuthError('invalid_request', 'The body must be a JSON object.', {
      redirectable: false,
    });
  return body as Record<string, unknown>;
}

/** Every admin route answers errors as the admin API's JSON. */
const admin = { config: { errorKind: 'admin' as const } };

async function register(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;

  await app.register(
    async (api) => {
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
      });

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
