/**
 * GET /account/activity (SPEC R15.3): the signed-in person's own sign-ins and consents, newest
 * first, read from the audit events (one indexed query each, by person and time).
 */
import type { FastifyInstance } from 'fastify';
import { requireUser, sendHtml } from '../pages.ts';
import { activityPage } from '../ui/activity-page.ts';
import type { RouteModule } from '../routes.ts';

/** Rows shown per section. */
const SHOWN = 50;

async function register(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;

  app.get('/account/activity', { config: { errorKind: 'page' } }, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const [signIns, consentEvents] = await Promise.all([
      ctx.store.listAuditEvents({ zuid: user.zuid, types: ['sign_in'], limit: SHOWN }),
      ctx.store.listAuditEvents({ zuid: user.zuid, types: ['consent'], limit: SHOWN }),
    ]);
    const names = new Map<string, string>();
    for (const id of new Set(consentEvents.map((e) => e.clientId ?? ''))) {
      const client = id === '' ? undefined : await ctx.store.findClient(id);
      names.set(id, client?.name ?? 'A deleted app');
    }
    const consents = consentEvents.map((e) => ({
      ...e,
      appName: names.get(e.clientId ?? '') ?? 'A deleted app',
    }));
    return sendHtml(
      reply,
      activityPage({ user, csrfToken: reply.generateCsrf(), signIns, consents }),
    );
  });
}

export const accountActivityEndpoints: RouteModule = { register };
