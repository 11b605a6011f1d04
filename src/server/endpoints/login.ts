/**
 * Sign-in and sign-out. Failed attempts are throttled per account and per address (SPEC R5.5);
 * an unknown email and a wrong password get the same answer at the same cost.
 */
import type { FastifyInstance } from 'fastify';
import { decoyHash, verifyPassword } from '../../core/passwords.ts';
import { emailHash } from '../audit.ts';
import { endSession, safeReturnTo, signedInUser, startSession } from '../session.ts';
import { loginPage, signOutPage } from '../ui/login-page.ts';
import { reserveSignIn, settleSuccessfulSignIn } from '../sign-in-throttle.ts';
import type { RouteModule } from '../routes.ts';

const WRONG = 'The email or password is not right.';

async function register(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;

  app.get('/login', { config: { errorKind: 'page' } }, async (request, reply) => {
    const returnTo = safeReturnTo((request.query as Record<string, unknown>).return_to);
    return reply
      .type('text/html; charset=utf-8')
      .send(loginPage({ returnTo, csrfToken: reply.generateCsrf() }));
  });

  app.post(
    '/login',
    { config: { errorKind: 'page' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const email = typeof body.email === 'string' ? body.email.trim().slice(0, 320) : '';
      const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
      const returnTo = safeReturnTo(body.return_to);
      const show = (status: number, error: string) =>
        reply
          .status(status)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(loginPage({ returnTo, email, error, csrfToken: reply.generateCsrf() }));

      const now = ctx.now();
      const throttle = { store: ctx.store, config: ctx.config };
      const check = await reserveSignIn(throttle, email, request.ip, now);
      if (check.throttled) {
        ctx.metrics?.throttled.inc({ route: '/login' });
        reply.header('retry-after', String(Math.max(1, Math.ceil(check.retryAfterMs / 1000))));
        return show(429, 'Too many failed sign-ins. Please wait a few minutes and try again.');
      }
      const user = email ? await ctx.store.findUserByEmail(email) : undefined;
      const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
      if (!user || !ok || user.disabled) {
        await ctx.audit.record(request, {
          type: 'sign_in',
          outcome: 'failure',
          ...(user
            ? { zuid: user.zuid, detail: { reason: ok ? 'disabled' : 'wrong_password' } }
            : {
                actor: 'anonymous',
                detail: { reason: 'unknown_account', email_hash: emailHash(email) },
              }),
        });
        return show(401, WRONG);
      }
      await settleSuccessfulSignIn(throttle, email, request.ip, now);
      await startSession(ctx, request, reply, user.zuid);
      await ctx.audit.record(request, { type: 'sign_in', zuid: user.zuid });
      return reply.header('cache-control', 'no-store').redirect(returnTo, 303);
    },
  );

  // A page without the Sign out form (a 404 outside the pages) links here; a GET never signs
  // out by itself, so a link on another site cannot end the session.
  app.get('/logout', { config: { errorKind: 'page' } }, async (request, reply) => {
    const user = await signedInUser(ctx, request);
    if (!user) return reply.redirect('/', 303);
    return reply
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(signOutPage({ email: user.email, csrfToken: reply.generateCsrf() }));
  });

  app.post(
    '/logout',
    { config: { errorKind: 'page' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      await endSession(ctx, request, reply);
      return reply.redirect('/', 303);
    },
  );
}

export const loginEndpoints: RouteModule = { register };
