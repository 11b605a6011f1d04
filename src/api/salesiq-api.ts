/**
 * The SalesIQ-style REST API (SPEC R8), served beside Tollgate and protected by it through
 * `tollgate/resource` in local mode. A portal is visible only to its members (its operators
 * linked to the token's user); other portals answer as unknown ones.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidToken } from '../core/errors.ts';
import type { AccessTokenClaims } from '@tollgate/resource';
import { tollgateResource } from '@tollgate/resource/fastify';
import { sendResourceError, toOAuthError } from '../server/render-error.ts';
import type { Portal } from '../store/salesiq-types.ts';
import type { Store } from '../store/types.ts';
import { ApiError, invalidInput, notFound, unknownPortal } from './errors.ts';
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

function claimsOf(request: FastifyRequest): AccessTokenClaims {
  if (!request.accessToken) throw invalidToken('No verified access token.');
  return request.accessToken;
}

async function memberPortal(
  store: Store,
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
  store: Store,
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

/** The route module: registered in the server's API_ROUTES. */
export async function salesiqApi(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;
  const { store } = ctx;
  const profile = ctx.config.profile;
  await app.register(tollgateResource, { verifier: ctx.tokens, profile });

  // Bad JSON, an oversized body and every refusal below: the profile's shape, never a 5xx for input.
  app.setErrorHandler(async (error, request, reply: FastifyReply) => {
    const err = toOAuthError(error, request);
    return sendResourceError(
      reply,
      err,
      profile,
      error instanceof ApiError ? error.apiCode : err.status === 404 ? 'not_found' : undefined,
    );
  });

  const send = (reply: FastifyReply, request: FastifyRequest, object: string, data: unknown) =>
    reply.header('cache-control', 'no-store').send(envelope(pathOf(request), object, data));

  const config = { errorKind: 'resource' as const };

  app.get(
    '/api/v2/portals',
    { config, onRequest: app.requireScope('SalesIQ.portals.READ') },
    async (request, reply) => {
      const portals = await store.listPortals(claimsOf(request).userId);
      return send(reply, request, 'list', portals.map(presentPortal));
    },
  );

  app.post(
    '/api/v2/portals',
    { config, onRequest: app.requireScope('SalesIQ.portals.CREATE') },
    async (request, reply) => {
      const input = readNewPortal(request);
      const user = await store.findUser(claimsOf(request).userId);
      if (!user || user.disabled) throw invalidToken('The account of this token is disabled.');
      const now = ctx.now();
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
    { config, onRequest: app.requireScope('SalesIQ.operators.READ') },
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
    { config, onRequest: app.requireScope('SalesIQ.departments.READ') },
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
    { config, onRequest: app.requireScope('SalesIQ.visitors.READ') },
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
    { config, onRequest: app.requireScope('SalesIQ.conversations.READ') },
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
    { config, onRequest: app.requireScope('SalesIQ.conversations.READ') },
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
    { config, onRequest: app.requireScope('SalesIQ.chatdetails.READ') },
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
