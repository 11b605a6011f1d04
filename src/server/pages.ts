/**
 * What every signed-in page needs: the user or a trip to the sign-in page, an HTML reply that
 * is never cached, and the rule that a person only ever sees their own apps (else 404).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../core/errors.ts';
import type { Client, User } from '../store/types.ts';
import type { ServerContext } from './context.ts';
import { signedInUser } from './session.ts';

/** The signed-in user, or undefined after sending the browser to sign in and come back. */
export async function requireUser(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<User | undefined> {
  const user = await signedInUser(ctx, request);
  if (user) return user;
  // A form post cannot be replayed after sign-in, so it returns to the page the form was on.
  const back =
    request.method === 'GET'
      ? request.url
      : request.url.startsWith('/account/')
        ? '/account/connected-apps'
        : '/console';
  await reply.redirect(`/login?return_to=${encodeURIComponent(back)}`, 303);
  return undefined;
}

/** Sends a page; pages with secrets or per-person data are never stored by caches. */
export function sendHtml(reply: FastifyReply, markup: string, status = 200): FastifyReply {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(markup);
}

/** 404 for a missing app and for someone else's: the answer must not reveal which. */
export const appNotFound = (): OAuthError =>
  new OAuthError('invalid_request', 'No app with that ID is in your console.', {
    status: 404,
    redirectable: false,
  });

/** The user's own client, or a 404 error. */
export async function findOwnClient(
  ctx: ServerContext,
  user: User,
  clientId: string,
): Promise<Client & { secretHash: string }> {
  const client = clientId.length <= 64 ? await ctx.store.findClient(clientId) : undefined;
  if (!client || client.ownerZuid !== user.zuid) throw appNotFound();
  return client;
}

/** A form body as text fields: anything else (arrays, files) counts as absent. */
export function formFields(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  const out: Record<string, string> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** A form field that may repeat (checkboxes): every text value. */
export function formList(request: FastifyRequest, name: string): string[] {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string');
}
