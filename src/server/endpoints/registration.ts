/**
 * Dynamic client registration (RFC 7591) at POST /oauth/v2/register and client management
 * (RFC 7592) at the registration_client_uri it returns, SPEC R14.3. `--registration` decides:
 * `off` (no routes, nothing advertised), `open`, or `token` (an initial access token from
 * `tollgate registration-token create`, sent as a Bearer token). Answers are always RFC JSON,
 * whatever the server's profile: registration exists only in the standards.
 */
import type { FastifyRequest } from 'fastify';
import {
  clientInformation,
  parseClientMetadata,
  registerDynamicClient,
  verifyRegistrationToken,
  invalidClientMetadata,
  type ClientMetadata,
} from '../../core/dynamic-registration.ts';
import { invalidToken, throttled } from '../../core/errors.ts';
import { hashSecret, safeEqual } from '../../core/ids.ts';
import { isPublicClient } from '../../core/registration.ts';
import type { ServerContext } from '../context.ts';
import type { RouteModule } from '../routes.ts';

const REGISTER_PATH = '/oauth/v2/register';

/** The Bearer token of a request, or undefined. @see RFC 6750 §2.1 */
function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+([\x21-\x7e]+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

const managementUri = (ctx: ServerContext, clientId: string): string =>
  `${ctx.issuer}${REGISTER_PATH}/${encodeURIComponent(clientId)}`;

/**
 * The dynamically registered client a management request names, if its registration access
 * token matches. RFC 7592 §2: an unknown client and a wrong token get the same 401, so the
 * answer does not tell which client ids exist.
 */
async function authorizedClient(ctx: ServerContext, request: FastifyRequest, clientId: string) {
  const presented = bearerToken(request);
  const record =
    clientId.length <= 64 ? await ctx.store.findClientRegistration(clientId) : undefined;
  const expected = record?.registrationTokenHash ?? hashSecret(`decoy:${clientId}`);
  const ok = presented !== undefined && safeEqual(hashSecret(presented), expected);
  if (!record || record.registrationTokenHash === null || record.clientMetadata === null || !ok)
    throw invalidToken('The registration access token is missing, wrong, or its client is gone.');
  return { client: record.client, metadata: JSON.parse(record.clientMetadata) as ClientMetadata };
}

export const registrationEndpoint: RouteModule = {
  owns: [{ prefix: REGISTER_PATH, kind: 'token' }],

  metadata: (ctx) =>
    ctx.config.registration === 'off'
      ? {}
      : { registration_endpoint: `${ctx.issuer}${REGISTER_PATH}` },

  async register(app) {
    const ctx = app.tollgate;
    if (ctx.config.registration === 'off') return;
    app.addHook('onRequest', async (request) => {
      if (request.url.startsWith(REGISTER_PATH)) request.wireProfile = 'rfc';
    });

    app.post(REGISTER_PATH, { config: { errorKind: 'token' } }, async (request, reply) => {
      // Registration abuse: each address may try a bounded number of times per window.
      if (ctx.config.throttle) {
        const now = ctx.now();
        const hit = await ctx.store.hitCounter(
          `register:${request.ip}`,
          ctx.config.throttleWindow * 1000,
          now,
        );
        if (hit.count > ctx.config.registrationLimit) throw throttled((hit.resetAt - now) / 1000);
      }
      if (ctx.config.registration === 'token') {
        const presented = bearerToken(request);
        if (
          presented === undefined ||
          !(await verifyRegistrationToken(ctx.store, presented, ctx.now()))
        )
          throw invalidToken(
            'Registration needs a valid initial access token (Authorization: Bearer).',
          );
      }
      if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json'))
        throw invalidClientMetadata('Send the client metadata as application/json.');
      const parsed = parseClientMetadata(request.body, ctx.issuer);
      const registered = await registerDynamicClient(ctx.store, parsed, ctx.now());
      await ctx.audit.record(request, {
        type: 'client_created',
        clientId: registered.client.clientId,
        actor: 'dynamic-registration',
        detail: { registration: 'dynamic', public: registered.clientSecret === undefined },
      });
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send(
          clientInformation(registered.client, registered.metadata, {
            clientSecret: registered.clientSecret,
            registrationAccessToken: registered.registrationAccessToken,
            uri: managementUri(ctx, registered.client.clientId),
          }),
        );
    });

    const route = `${REGISTER_PATH}/:clientId`;
    type Params = { Params: { clientId: string } };

    app.get<Params>(route, { config: { errorKind: 'token' } }, async (request, reply) => {
      const { client, metadata } = await authorizedClient(ctx, request, request.params.clientId);
      return reply
        .header('cache-control', 'no-store')
        .send(clientInformation(client, metadata, { uri: managementUri(ctx, client.clientId) }));
    });

    app.put<Params>(route, { config: { errorKind: 'token' } }, async (request, reply) => {
      const { client } = await authorizedClient(ctx, request, request.params.clientId);
      const body = request.body as Record<string, unknown> | undefined;
      // RFC 7592 §2.2: the request carries the client_id, and a secret only if it is the current one.
      if (body?.client_id !== client.clientId)
        throw invalidClientMetadata('client_id must be the client being updated.');
      const found = await ctx.store.findClient(client.clientId);
      if (
        body.client_secret !== undefined &&
        (typeof body.client_secret !== 'string' ||
          !found ||
          !safeEqual(hashSecret(body.client_secret), found.secretHash))
      )
        throw invalidClientMetadata('client_secret, when sent, must be the current secret.');
      const rest = { ...body };
      for (const name of [
        'client_id',
        'client_secret',
        'registration_access_token',
        'registration_client_uri',
        'client_id_issued_at',
        'client_secret_expires_at',
      ])
        delete rest[name];
      const parsed = parseClientMetadata(rest, ctx.issuer);
      if (isPublicClient(parsed.input.type) !== isPublicClient(client.type))
        throw invalidClientMetadata(
          'token_endpoint_auth_method cannot change between none and a client secret.',
        );
      const updated = await ctx.store.updateClient(client.clientId, {
        name: parsed.input.name,
        domain: parsed.input.domain,
        redirectUris: parsed.input.redirectUris,
        type: parsed.input.type,
        clientMetadata: JSON.stringify(parsed.metadata),
      });
      if (!updated) throw invalidToken('The client is gone.');
      return reply
        .header('cache-control', 'no-store')
        .send(
          clientInformation(updated, parsed.metadata, { uri: managementUri(ctx, client.clientId) }),
        );
    });

    app.delete<Params>(route, { config: { errorKind: 'token' } }, async (request, reply) => {
      const { client } = await authorizedClient(ctx, request, request.params.clientId);
      await ctx.store.deleteClient(client.clientId);
      await ctx.audit.record(request, {
        type: 'client_deleted',
        clientId: client.clientId,
        actor: 'registration-access-token',
      });
      return reply.status(204).header('cache-control', 'no-store').send();
    });
  },
};
