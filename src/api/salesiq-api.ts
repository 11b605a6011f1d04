/**
 * The SalesIQ-style REST API (SPEC R8), served beside Tollgate and protected by its tokens. It
 * knows nothing of the server: the server registers it with its dependencies (the API's store,
 * the user lookup, a token verifier and the clock), and renders what it throws as resource
 * errors. A portal is visible only to its members (its operators linked to the token's user);
 * other portals answer as unknown ones.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
} from 'fastify';
import {
  authorizeRequest,
  presentedUrl,
  type AccessTokenClaims,
  type TokenVerifier,
} from '@tollgate/resource';
import { invalidToken } from '../core/errors.ts';
import type { Portal, SalesIqStore } from '../store/salesiq-types.ts';
import type { UserStore } from '../store/types.ts';
import { invalidInput, notFound, unknownPortal } from './errors.ts';
import { parseConversationFilter, parseId, parsePage } from './params.ts';
import {
  envelope,
  presentConversation,
  presentDepartment,
  presentMessage,
  presentOperator,
  presentPortal,
  presentVisitor,
  type ConversationContext,
} from './present.ts';

/** A portal's screen name: what appears in its URLs. */
export const SCREEN_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{2,49}$/i;

type Params = { screen_name: string; id: string };

const pathOf = (request: FastifyRequest): string => request.url.split('?')[0] ?? request.url;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token of an API request. */
    apiToken: AccessTokenClaims | null;
  }
}

/** What the API needs from the server that hosts it. */
export interface SalesIqApiOptions {
  /** The API's own data. */
  store: SalesIqStore;
  /** The authorization server's users (the portal creator's name and email). */
  users: Pick<UserStore, 'findUser'>;
  /** Checks the `Authorization` header's token. */
  verifier: TokenVerifier;
  /** The clock, in Unix milliseconds. */
  now: () => number;
  /**
   * The public origin clients call, for DPoP proofs' `htu` (RFC 9449 §7; default: the request's
   * protocol and host).
   */
  publicOrigin?: () => string;
}

function claimsOf(request: FastifyRequest): AccessTokenClaims {
  if (!request.apiToken) throw invalidToken('No verified access token.');
  return request.apiToken;
}

async function memberPortal(
  store: SalesIqStore,
  request: FastifyRequest<{ Params: Partial<Params> }>,
): Promise<Portal> {
  const screenName = request.params.screen_name ?? '';
  const portal = SCREEN_NAME_PATTERN.test(screenName)
    ? await store.findPortalForMember(screenName, claimsOf(request).userId)
    : undefined;
  if (!portal) throw unknownPortal(screenName);
  return portal;
}

async function conversationContext(
  store: SalesIqStore,
  portalId: number,
  visitorIds: number[],
): Promise<ConversationContext> {
  const [visitors, operators, departments] = await Promise.all([
    store.findVisitors(portalId, [...new Set(visitorIds)]),
    store.listOperators(portalId),
    store.listDepartments(portalId),
  ]);
  return {
    visitors: new Map(visitors.map((v) => [v.id, v])),
    operators: new Map(operators.map((o) => [o.id, o])),
    departments: new Map(departments.map((d) => [d.id, d])),
  };
}

function readNewPortal(request: FastifyRequest): { name: string; screenName: string } {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw invalidInput('Send the portal as a JSON body (Content-Type: application/json).', 415);
  const body = request.body as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidInput('The body must be a JSON object {"name": ..., "screenname": ...}.');
  const { name, screenname } = body;
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100)
    throw invalidInput('name must be 1-100 characters.');
  if (typeof screenname !== 'string' || !SCREEN_NAME_PATTERN.test(screenname)) {
    throw invalidInput(
      'screenname must be 3-50 letters, digits, _ or -, starting with a letter or digit.',
    );
  }
  return { name: name.trim(), screenName: screenname.toLowerCase() };
}

/**
 * Registers the API's routes. Every route's errors (bad JSON, an oversized body, a refused
 * token, an unknown portal) are thrown and rendered by the host as `resource` errors.
 */
export async function registerSalesIqApi(
  app: FastifyInstance,
  options: SalesIqApiOptions,
): Promise<void> {
  const { store, users, verifier } = options;
  app.decorateRequest('apiToken', null);
  /** Admits only requests whose token carries the scope (checked before any body is read). */
  const requireScope =
    (scope: string): onRequestAsyncHookHandler =>
    async (request) => {
      request.apiToken = await authorizeRequest(
        verifier,
        request.url,
        request.headers.authorization,
        [scope],
        {
          request: {
            method: request.method,
            url: presentedUrl(
              options.publicOrigin?.(),
              request.protocol,
              request.host,
              request.url,
            ),
            dpop: request.headers.dpop,
          },
        },
      );
    };

  const send = (reply: FastifyReply, request: FastifyRequest, object: string, data: unknown) =>
    reply.header('cache-control', 'no-store').send(envelope(pathOf(request), object, data));

  const config = { errorKind: 'resource' as const };

  app.get(
    '/api/v2/portals',
    { config, onRequest: requireScope('SalesIQ.portals.READ') },
    async (request, reply) => {
      const portals = await store.listPortals(claimsOf(request).userId);
      return send(reply, request, 'list', portals.map(presentPortal));
    },
  );

  app.post(
    '/api/v2/portals',
    { config, onRequest: requireScope('SalesIQ.portals.CREATE') },
    async (request, reply) => {
      const input = readNewPortal(request);
      const user = await users.findUser(claimsOf(request).userId);
      if (!user || user.disabled) throw invalidToken('The account of this token is disabled.');
      const now = options.now();
      const portal = await store.createPortal(
        input,
        {
          zuid: user.zuid,
          name: user.displayName,
          nickName: user.firstName,
          email: user.email,
          role: 'Super Admin',
          status: 'online',
          createdAt: now,
        },
        now,
      );
      if (!portal) throw invalidInput(`The screen name '${input.screenName}' is taken.`, 409);
      return send(reply, request, 'portal', presentPortal(portal));
    },
  );

  app.get<{ Params: Params }>(
    '/api/v2/:screen_name/operators',
    { config, onRequest: requireScope('SalesIQ.operators.READ') },
    async (request, reply) => {
      const portal = await memberPortal(store, request);
      return send(
        reply,
        request,
        'list',
        (await store.listOperators(portal.id)).map(presentOperator),
      );
    },
  );

  app.get<{ Params: Params }>(
    '/api/v2/:screen_name/departments',
    { config, onRequest: requireScope('SalesIQ.departments.READ') },
    async (request, reply) => {
      const portal = await memberPortal(store, request);
      return send(
        reply,
        request,
        'list',
        (await store.listDepartments(portal.id)).map(presentDepartment),
      );
    },
  );

  app.get<{ Params: Params }>(
    '/api/v2/:screen_name/visitors',
    { config, onRequest: requireScope('SalesIQ.visitors.READ') },
    async (request, reply) => {
      const page = parsePage(request.query as Record<string, unknown>);
      const portal = await memberPortal(store, request);
      return send(
        reply,
        request,
        'list',
        (await store.listVisitors(portal.id, page)).map(presentVisitor),
      );
    },
  );

  app.get<{ Params: Params }>(
    '/api/v2/:screen_name/conversations',
    { config, onRequest: requireScope('SalesIQ.conversations.READ') },
    async (request, reply) => {
      const filter = parseConversationFilter(request.query as Record<string, unknown>);
      const portal = await memberPortal(store, request);
      const conversations = await store.listConversations(portal.id, filter);
      const context = await conversationContext(
        store,
        portal.id,
        conversations.map((c) => c.visitorId),
      );
      return send(
        reply,
        request,
        'list',
        conversations.map((c) => presentConversation(c, context)),
      );
    },
  );

  app.get<{ Params: Params }>(
    '/api/v2/:screen_name/conversations/:id',
    { config, onRequest: requireScope('SalesIQ.conversations.READ') },
    async (request, reply) => {
      const portal = await memberPortal(store, request);
      const id = parseId(request.params.id);
      const conversation =
        id === undefined ? undefined : await store.findConversation(portal.id, id);
      if (!conversation) throw notFound('The conversation');
      const context = await conversationContext(store, portal.id, [conversation.visitorId]);
      return send(reply, request, 'conversation', presentConversation(conversation, context));
    },
  );

  app.get<{ Params: Params }>(
    '/api/v2/:screen_name/conversations/:id/messages',
    { config, onRequest: requireScope('SalesIQ.chatdetails.READ') },
    async (request, reply) => {
      const portal = await memberPortal(store, request);
      const id = parseId(request.params.id);
      const conversation =
        id === undefined ? undefined : await store.findConversation(portal.id, id);
      if (!conversation) throw notFound('The conversation');
      return send(
        reply,
        request,
        'list',
        (await store.listMessages(conversation.id)).map(presentMessage),
      );
    },
  );
}
