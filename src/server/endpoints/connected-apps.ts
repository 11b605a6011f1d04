/**
 * /account/connected-apps (SPEC R9; issue 3): the apps holding the person's grants, and Revoke,
 * which revokes every refresh and access token of the app for this person and forgets the
 * consent, so the next authorization asks again (R3.4).
 */
import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../../core/errors.ts';
import { requireUser, sendHtml } from '../pages.ts';
import { connectedAppsPage } from '../ui/connected-apps-page.ts';
import type { RouteModule } from '../routes.ts';

async function register(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;

  app.get('/account/connected-apps', { config: { errorKind: 'page' } }, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const apps = await ctx.store.listConnectedApps(user.zuid);
    const revoked = (request.query as Record<string, unknown>).revoked;
    const name =
      typeof revoked === 'string' && revoked.length <= 64
        ? (await ctx.store.findClient(revoked))?.name
        : undefined;
    const message =
      typeof revoked === 'string'
        ? `${name ?? 'The app'} no longer has access to your account.`
        : undefined;
    return sendHtml(
      reply,
      connectedAppsPage({
        user,
        csrfToken: reply.generateCsrf(),
        apps,
        catalogue: ctx.scopes,
        message,
      }),
    );
  });

  app.post(
    '/account/connected-apps/:id/revoke',
    { config: { errorKind: 'page' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const user = await requireUser(ctx, request, reply);
      if (!user) return reply;
      const clientId = (request.params as { id: string }).id;
      const removed =
        clientId.length <= 64 && (await ctx.store.removeConnectedApp(user.zuid, clientId));
      if (!removed)
        throw new OAuthError('invalid_request', 'This app is not connected to your account.', {
          status: 404,
          redirectable: false,
        });
      await ctx.audit.record(request, { type: 'app_removed', zuid: user.zuid, clientId });
      return reply.redirect(`/account/connected-apps?revoked=${encodeURIComponent(clientId)}`, 303);
    },
  );
}

export const connectedAppsEndpoints: RouteModule = { register };
