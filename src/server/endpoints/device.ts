/**
 * The device flow's protocol endpoints (SPEC R13.2). In the zoho profiles, Zoho's form:
 * `POST /oauth/v3/device/code` (grant_type=device_request) and `POST /oauth/v3/device/token`
 * (grant_type=device_token, code=<device code>), times in milliseconds. In the rfc profile,
 * RFC 8628's device authorization endpoint `POST /oauth/v2/device_authorization` (seconds); its
 * polls go to the token endpoint (grants/device-code.ts).
 * @see https://www.zoho.com/accounts/protocol/oauth/devices/initiation-request.html
 * @see https://www.zoho.com/accounts/protocol/oauth/devices/polling-request.html
 * @see RFC 8628 §3.1-§3.2
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalidClient, unsupportedGrantType } from '../../core/errors.ts';
import type { Client } from '../../store/types.ts';
import { authenticateClient, usesBasicAuth } from '../client-auth.ts';
import type { ServerContext } from '../context.ts';
import {
  offersDeviceFlow,
  pollDeviceAuthorization,
  startDeviceAuthorization,
} from '../device-flow.ts';
import { param, readParams, requireParams, type Params } from '../params.ts';
import type { RouteModule } from '../routes.ts';

/**
 * The client of a device authorization request: named by `client_id` (a device holds no secret
 * it could keep, RFC 8628 §3.1), authenticated when it sends credentials anyway.
 */
async function deviceClient(
  ctx: ServerContext,
  request: FastifyRequest,
  params: Params,
): Promise<Client> {
  if (usesBasicAuth(request) || param(params, 'client_secret') !== undefined)
    return (await authenticateClient(ctx, request, params)).client;
  const clientId = param(params, 'client_id');
  const client =
    clientId !== undefined && clientId.length <= 64
      ? await ctx.store.findClient(clientId)
      : undefined;
  if (!client) throw invalidClient('No app is registered with this client_id.');
  return client;
}

const noStore = (reply: FastifyReply): FastifyReply =>
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');

export const deviceEndpoints: RouteModule = {
  owns: [
    { prefix: '/oauth/v3/device/', kind: 'token' },
    { prefix: '/oauth/v2/device_authorization', kind: 'token' },
  ],

  metadata: (ctx) =>
    offersDeviceFlow(ctx, 'rfc8628')
      ? { device_authorization_endpoint: `${ctx.issuer}/oauth/v2/device_authorization` }
      : {},

  async register(app) {
    const ctx = app.tollgate;

    if (offersDeviceFlow(ctx, 'zoho-v3')) {
      app.post(
        '/oauth/v3/device/code',
        { config: { errorKind: 'token' } },
        async (request, reply) => {
          const params = readParams(request);
          const client = await deviceClient(ctx, request, params);
          request.wireProfile = ctx.profileFor(client);
          const [grantType = ''] = requireParams(params, ['grant_type']);
          if (grantType !== 'device_request') throw unsupportedGrantType(grantType.slice(0, 50));
          requireParams(params, ['scope']);
          const started = await startDeviceAuthorization(ctx, client, params);
          return noStore(reply).send({
            user_code: started.userCode,
            device_code: started.deviceCode,
            interval: started.intervalMs,
            expires_in: started.lifetimeMs,
            verification_url: started.verificationUri,
            verification_uri_complete: started.verificationUriComplete,
          });
        },
      );

      app.post(
        '/oauth/v3/device/token',
        { config: { errorKind: 'token' } },
        async (request, reply) => {
          const params = readParams(request);
          const { client } = await authenticateClient(ctx, request, params);
          request.wireProfile = ctx.profileFor(client);
          const [grantType = '', code = ''] = requireParams(params, ['grant_type', 'code']);
          if (grantType !== 'device_token') throw unsupportedGrantType(grantType.slice(0, 50));
          const body = await pollDeviceAuthorization(ctx, client, code, request.wireProfile);
          ctx.metrics?.tokensMinted.inc({ grant: 'device_token' });
          return noStore(reply).send(body);
        },
      );
    }

    if (offersDeviceFlow(ctx, 'rfc8628')) {
      app.post(
        '/oauth/v2/device_authorization',
        { config: { errorKind: 'token' } },
        async (request, reply) => {
          const params = readParams(request);
          const client = await deviceClient(ctx, request, params);
          request.wireProfile = ctx.profileFor(client);
          const started = await startDeviceAuthorization(ctx, client, params);
          return noStore(reply).send({
            device_code: started.deviceCode,
            user_code: started.userCode,
            verification_uri: started.verificationUri,
            verification_uri_complete: started.verificationUriComplete,
            expires_in: started.lifetimeMs / 1000,
            interval: started.intervalMs / 1000,
          });
        },
      );
    }
  },
};
