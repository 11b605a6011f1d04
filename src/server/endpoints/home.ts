/**
 * `/` and the demo app's pages (issue 2): the walkthrough acts as the demo app would, against
 * this server's own endpoints over real HTTP. Its tokens stay in server memory
 * (server/walkthrough.ts), tied to the browser by an HttpOnly cookie.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../core/errors.ts';
import type { ServerContext } from '../context.ts';
import { sendHtml } from '../pages.ts';
import { cookieOptions, signedInUser } from '../session.ts';
import { walkthroughPage, welcomePage } from '../ui/home-page.ts';
import {
  findWalkthrough,
  runStep,
  startWalkthrough,
  STEP_NAMES,
  WALKTHROUGH_COOKIE,
  type StepName,
  type Walkthrough,
} from '../walkthrough.ts';
import type { RouteModule } from '../routes.ts';

function walkthroughOf(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  fresh = false,
): Walkthrough {
  const found = fresh ? undefined : findWalkthrough(request.cookies[WALKTHROUGH_COOKIE], ctx.now());
  if (found) return found;
  const { cookie, walkthrough } = startWalkthrough(ctx.now());
  reply.setCookie(WALKTHROUGH_COOKIE, cookie, { ...cookieOptions(ctx), maxAge: 3600 });
  return walkthrough;
}

function authorizationUrl(ctx: ServerContext, w: Walkthrough): string {
  const demo = ctx.demo;
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: demo?.clientId ?? '',
    scope:
      'AaaServer.profile.READ,SalesIQ.portals.READ,SalesIQ.operators.READ,SalesIQ.chatdetails.READ',
    redirect_uri: demo?.redirectUri ?? '',
    access_type: 'offline',
    prompt: 'consent',
    state: w.state,
  });
  return `/oauth/v2/auth?${q.toString()}`;
}

const noDemo = (): OAuthError =>
  new OAuthError(
    'invalid_request',
    'The demo app is not set up: start the server with --demo (npm start).',
    { status: 404, redirectable: false },
  );

async function register(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;
  const page = { config: { errorKind: 'page' as const } };

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    w: Walkthrough,
    problem?: string,
  ): Promise<FastifyReply> {
    const demo = ctx.demo;
    if (!demo) throw noDemo();
    const user = await signedInUser(ctx, request);
    const markup = walkthroughPage({
      issuer: ctx.issuer,
      user,
      csrfToken: reply.generateCsrf(),
      demo,
      walkthrough: w,
      authorizationUrl: authorizationUrl(ctx, w),
      problem,
    });
    return sendHtml(reply, markup);
  }

  app.get('/', page, async (request, reply) => {
    if (!ctx.demo) {
      const user = await signedInUser(ctx, request);
      return sendHtml(
        reply,
        welcomePage({ issuer: ctx.issuer, user, csrfToken: reply.generateCsrf() }),
      );
    }
    return render(request, reply, walkthroughOf(ctx, request, reply));
  });

  app.get('/demo/callback', page, async (request, reply) => {
    if (!ctx.demo) throw noDemo();
    const w = walkthroughOf(ctx, request, reply);
    const query = request.query as Record<string, unknown>;
    // The app's own check (RFC 6749 §10.12): a callback whose state is not ours is not used.
    if (query.state !== w.state) {
      return render(
        request,
        reply,
        w,
        'This callback does not belong to the walkthrough in this browser (its state differs), so the app ignores it. Start the authorization from this page.',
      );
    }
    const at = request.url.indexOf('?');
    w.callbackUrl = `${ctx.demo.redirectUri}${at >= 0 ? request.url.slice(at) : ''}`;
    if (typeof query.code === 'string' && query.code !== w.code) {
      w.code = query.code;
      w.denied = undefined;
      w.accessToken = undefined;
      w.refreshToken = undefined;
      w.steps = {};
    } else if (typeof query.error === 'string') {
      w.code = undefined;
      w.denied = `Tollgate answered error=${query.error}${query.error === 'access_denied' ? ': you clicked Deny, so the app gets no code.' : '.'}`;
    }
    return render(request, reply, w);
  });

  app.post('/demo/:step', { ...page, preHandler: app.csrfProtection }, async (request, reply) => {
    const demo = ctx.demo;
    if (!demo) throw noDemo();
    const step = (request.params as { step: string }).step;
    if (step === 'reset') {
      walkthroughOf(ctx, request, reply, true);
      return reply.redirect('/', 303);
    }
    if (!(STEP_NAMES as readonly string[]).includes(step))
      throw new OAuthError('invalid_request', 'There is no such step.', {
        status: 404,
        redirectable: false,
      });
    const w = findWalkthrough(request.cookies[WALKTHROUGH_COOKIE], ctx.now());
    if (w) await runStep(w, step as StepName, demo, ctx.issuer);
    return reply.redirect(`/#step-${step}`, 303);
  });
}

export const homeEndpoints: RouteModule = { register };
