/**
 * Sign-in sessions: a random id in an HttpOnly, SameSite=Lax cookie; only its hash is stored.
 * Lax (not Strict) because the authorization request arrives as a top-level navigation from
 * the app's site and must see the session. A new id is issued at every sign-in.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { generateOpaque, hashSecret } from '../core/ids.ts';
import type { User } from '../store/types.ts';
import type { ServerContext } from './context.ts';

export const SESSION_COOKIE = 'tg_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The person signed in, once a page looked (error pages keep their navigation). */
    signedInUser: User | null;
  }
}

export function cookieOptions(ctx: ServerContext): {
  httpOnly: true;
  sameSite: 'lax';
  secure: boolean;
  path: string;
} {
  return { httpOnly: true, sameSite: 'lax', secure: ctx.issuer.startsWith('https:'), path: '/' };
}

/** The signed-in, enabled user of a request, if any. */
export async function signedInUser(
  ctx: ServerContext,
  request: FastifyRequest,
): Promise<User | undefined> {
  return (await currentSignIn(ctx, request))?.user;
}

/** The signed-in, enabled user and when they signed in (OIDC `auth_time`), if any. */
export async function currentSignIn(
  ctx: ServerContext,
  request: FastifyRequest,
): Promise<{ user: User; signedInAt: number } | undefined> {
  const id = sessionCookie(request);
  if (!id || id.length > 100) return undefined;
  const session = await ctx.store.findSession(hashSecret(id), ctx.now());
  if (!session) return undefined;
  const user = await ctx.store.findUser(session.zuid);
  if (!user || user.disabled) return undefined;
  request.signedInUser = user;
  return { user, signedInAt: session.createdAt };
}

/** Starts a session for a user, ending the one the browser had (no session fixation). */
export async function startSession(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  zuid: number,
): Promise<void> {
  const old = request.cookies[SESSION_COOKIE];
  if (old && old.length <= 100) await ctx.store.deleteSession(hashSecret(old));
  const id = generateOpaque();
  const now = ctx.now();
  await ctx.store.createSession(hashSecret(id), {
    zuid,
    createdAt: now,
    expiresAt: now + ctx.config.sessionTtl * 1000,
  });
  reply.setCookie(SESSION_COOKIE, id, { ...cookieOptions(ctx), maxAge: ctx.config.sessionTtl });
}

export async function endSession(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const id = request.cookies[SESSION_COOKIE];
  if (id && id.length <= 100) await ctx.store.deleteSession(hashSecret(id));
  reply.clearCookie(SESSION_COOKIE, cookieOptions(ctx));
}

/** Only same-site paths may be returned to after sign-in (no open redirect). */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 8000) return '/';
  if (
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\') ||
    /[\r\n]/.test(value)
  )
    return '/';
  return value;
}

/**
 * Looks up who is signed in for an error page, when the page's route had not yet (a refused form,
 * a check before the handler): the page then keeps its navigation. A failed look-up only loses it.
 */
export async function noteSignedInUser(ctx: ServerContext, request: FastifyRequest): Promise<void> {
  if (request.signedInUser !== null || sessionCookie(request) === undefined) return;
  try {
    await currentSignIn(ctx, request);
  } catch {
    // The error being shown is what matters; the navigation is a convenience.
  }
}

/**
 * The session cookie's value. The pages parse cookies with their plugin; outside them (a page
 * that does not exist, answered by the root's not-found handler) the header is read here.
 */
function sessionCookie(request: FastifyRequest): string | undefined {
  const parsed = request.cookies as FastifyRequest['cookies'] | undefined;
  if (parsed) return parsed[SESSION_COOKIE];
  // Session ids are URL-safe, so the value needs no decoding; the first cookie of the name wins,
  // as in the cookie plugin.
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === SESSION_COOKIE) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
