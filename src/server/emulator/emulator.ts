/**
 * The emulator's runtime (SPEC R12): its clock, fault rules and request log, and the hooks that
 * apply them. Installed only with `--emulator`: with it off no hook is added, so the hot path
 * pays nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  accessDenied,
  invalidClient,
  invalidGrant,
  invalidToken,
  type OAuthError,
  serverError,
  throttled,
} from '../../core/errors.ts';
import { FaultRules, type FaultRule, type FaultSubject } from '../../core/faults.ts';
import { maskSecret, maskSecrets, RequestLog } from '../../core/request-log.ts';
import type { ServerContext } from '../context.ts';

type Endpoint = FaultSubject['endpoint'];

/** Which emulated endpoint a path is, or undefined for pages, assets and the emulator itself. */
export function endpointOf(path: string): Endpoint | undefined {
  if (path === '/oauth/v2/token') return 'token';
  if (['/oauth/v2/token/revoke', '/oauth/v2/revoke', '/oauth/v2/revoke/token'].includes(path))
    return 'revoke';
  if (path === '/oauth/v2/auth') return 'authorize';
  if (path === '/oauth/user/info') return 'userinfo';
  if (path === '/oauth/v2/introspect') return 'introspect';
  // The device endpoints, not the verification page (a page for people, like the console).
  if (path.startsWith('/oauth/v3/device/') || path === '/oauth/v2/device_authorization')
    return 'device';
  if (path.startsWith('/api/')) return 'api';
  return undefined;
}

/** State of one server's emulator. */
export class Emulator {
  readonly faults = new FaultRules();
  readonly log = new RequestLog();
}

interface Tracked {
  endpoint: Endpoint;
  path: string;
  fault: FaultRule | undefined;
  payload: unknown;
  /** Set for authorize faults: thrown by the endpoint once errors may go back to the app. */
  pending: OAuthError | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    emulated: Tracked | null;
  }
}

/** Raises a fault held for the authorization endpoint (called once its redirect URI is valid). */
export function raisePendingFault(request: FastifyRequest): void {
  const pending = request.emulated?.pending;
  if (pending) throw pending;
}

/** The values sent in the query string and the body, as one object (secrets masked). */
function paramsOf(request: FastifyRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const source of [request.query, request.body]) {
    if (source && typeof source === 'object' && !Array.isArray(source)) Object.assign(out, source);
  }
  if (request.method === 'POST' && request.url.startsWith('/oauth/v2/auth')) {
    // The consent form carries the original request as one field.
    const original = typeof out.request === 'string' ? out.request : '';
    for (const [k, v] of new URLSearchParams(original)) out[k] ??= v;
    delete out.request;
    delete out._csrf;
  }
  return maskSecrets(out) as Record<string, unknown>;
}

/** client_id from the parameters or from HTTP Basic credentials. */
function clientIdOf(request: FastifyRequest, params: Record<string, unknown>): string | undefined {
  if (typeof params.client_id === 'string') return params.client_id;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** What was answered: JSON (masked), a redirect's target (masked), or the kind of page. */
function responseOf(location: unknown, contentType: unknown, payload: unknown): unknown {
  if (typeof location === 'string') {
    try {
      const url = new URL(location, 'http://relative.invalid');
      for (const [k, v] of url.searchParams) {
        if (k === 'code') url.searchParams.set(k, maskSecret(v));
      }
      const shown = url.origin === 'http://relative.invalid' ? url.pathname + url.search : url.href;
      return { location: shown };
    } catch {
      return { location: '(unreadable)' };
    }
  }
  const type = String(contentType ?? '');
  const text =
    typeof payload === 'string'
      ? payload
      : Buffer.isBuffer(payload)
        ? payload.toString('utf8')
        : '';
  if (type.includes('json')) {
    try {
      return maskSecrets(JSON.parse(text));
    } catch {
      return text.slice(0, 2000);
    }
  }
  return text === '' ? null : { content_type: type.split(';')[0] ?? '', length: text.length };
}

/** The error a fault answers with: the endpoint's own refusal for the real thing (SPEC R12.2). */
function faultError(ctx: ServerContext, rule: FaultRule, endpoint: Endpoint): OAuthError {
  const resource = endpoint === 'userinfo' || endpoint === 'api';
  switch (rule.action) {
    case 'throttle':
      return endpoint === 'authorize'
        ? accessDenied('Too many authorization codes for this client; try again later.')
        : throttled(ctx.config.throttleWindow);
    case 'invalid_code':
      return resource
        ? invalidToken('The access token is invalid.')
        : invalidGrant('The code is invalid.');
    case 'invalid_client':
      return invalidClient();
    default:
      return serverError(`emulated fault ${rule.id}`);
  }
}

/** Adds the request log and the fault hooks to the app (the emulator is on). */
export function installEmulator(
  app: FastifyInstance,
  ctx: ServerContext,
  emulator: Emulator,
): void {
  app.decorateRequest('emulated', null);

  const record = (request: FastifyRequest, reply: FastifyReply, status: number): void => {
    const tracked = request.emulated;
    if (!tracked) return;
    const params = paramsOf(request);
    const entry = {
      at: ctx.now(),
      method: request.method,
      path: tracked.path,
      endpoint: tracked.endpoint,
      client_id: clientIdOf(request, params) ?? null,
      params,
      status,
      response: null as unknown,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      fault_id: tracked.fault?.id ?? null,
    };
    if (status !== 0) {
      // Parsed and masked when someone reads the log, not on the request's path.
      const location = reply.getHeader('location');
      const type = reply.getHeader('content-type');
      const payload = tracked.payload;
      let shown: { value: unknown } | undefined;
      Object.defineProperty(entry, 'response', {
        enumerable: true,
        get: () => (shown ??= { value: responseOf(location, type, payload) }).value,
      });
    }
    emulator.log.add(entry);
  };

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    const endpoint = endpointOf(path);
    if (endpoint)
      request.emulated = {
        endpoint,
        path,
        fault: undefined,
        payload: undefined,
        pending: undefined,
      };
  });

  app.addHook('preHandler', async (request, reply) => {
    const tracked = request.emulated;
    if (!tracked || !emulator.faults.watches(tracked.endpoint)) return;
    const raw: Record<string, unknown> = {};
    for (const source of [request.query, request.body])
      if (source && typeof source === 'object' && !Array.isArray(source))
        Object.assign(raw, source);
    const grantType = typeof raw.grant_type === 'string' ? raw.grant_type : undefined;
    const rule = emulator.faults.take({
      endpoint: tracked.endpoint,
      grantType,
      clientId: clientIdOf(request, raw),
    });
    if (!rule) return;
    tracked.fault = rule;
    switch (rule.action) {
      case 'delay':
        await sleep(rule.delay_ms ?? 0);
        return;
      case 'drop':
        record(request, reply, 0);
        tracked.fault = undefined;
        request.emulated = null;
        reply.hijack();
        request.raw.socket.destroy();
        return;
      case 'respond':
        return reply
          .status(rule.status ?? 200)
          .header('cache-control', 'no-store')
          .send(rule.body ?? null);
    }
    // Answer in the client's own dialect, as the real refusal would (SPEC R0).
    const clientId = clientIdOf(request, raw);
    const client =
      clientId && clientId.length <= 64 ? await ctx.store.findClient(clientId) : undefined;
    if (client) request.wireProfile = ctx.profileFor(client);
    const error = faultError(ctx, rule, tracked.endpoint);
    if (tracked.endpoint === 'authorize' && rule.action !== 'server_error') {
      tracked.pending = error;
      return;
    }
    throw error;
  });

  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.emulated) request.emulated.payload = payload;
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    record(request, reply, reply.statusCode);
  });
}
