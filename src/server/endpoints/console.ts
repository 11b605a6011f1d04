/**
 * The developer console (SPEC R2, R9; issue 3): register, list, edit, rotate and delete apps.
 * Each person sees only the apps they own; anyone else's app id answers 404, like a missing one.
 * Every rule comes from core/registration.ts, shared with the CLI and the admin API.
 */
import type { FastifyInstance } from 'fastify';
import {
  checkClientInput,
  parseClientInput,
  registerClient,
  rotateSecret,
  isPublicClient,
} from '../../core/registration.ts';
import {
  appNotFound,
  findOwnClient,
  formFields,
  formList,
  requireUser,
  sendHtml,
} from '../pages.ts';
import { appPage, deleteConfirmPage } from '../ui/app-page.ts';
import { consolePage, splitRedirectUris, type ClientFormValues } from '../ui/console-page.ts';
import { credentialsPage } from '../ui/credentials-page.ts';
import type { RouteModule } from '../routes.ts';

const MESSAGES: Record<string, string> = {
  deleted: 'The app was deleted and every code and token it held was revoked.',
  saved: 'Your changes were saved.',
  'multi-dc': 'The Multi DC settings were saved.',
  'multi-dc-empty': 'Nothing was saved: check at least one data centre.',
};

function messageFrom(query: unknown): string | undefined {
  const done = (query as Record<string, unknown> | undefined)?.done;
  return typeof done === 'string' ? MESSAGES[done] : undefined;
}

async function register(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;
  const page = { config: { errorKind: 'page' as const } };
  const form = { ...page, preHandler: app.csrfProtection };

  app.get('/console', page, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const clients = await ctx.store.listClients(user.zuid);
    return sendHtml(
      reply,
      consolePage({
        user,
        csrfToken: reply.generateCsrf(),
        clients,
        message: messageFrom(request.query),
      }),
    );
  });

  app.post('/console/apps', form, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const fields = formFields(request);
    const values: ClientFormValues = {
      name: fields.name ?? '',
      domain: fields.domain ?? '',
      redirectUris: fields.redirect_uris ?? '',
      type: fields.type ?? 'server',
    };
    const input = {
      name: values.name,
      domain: values.domain,
      redirectUris: splitRedirectUris(values.redirectUris),
      type: values.type,
    };
    const problems = checkClientInput(input);
    if (Object.keys(problems).length > 0) {
      const clients = await ctx.store.listClients(user.zuid);
      return sendHtml(
        reply,
        consolePage({ user, csrfToken: reply.generateCsrf(), clients, values, problems }),
        400,
      );
    }
    const { client, clientSecret } = await registerClient(ctx.store, input, user.zuid, ctx.now());
    await ctx.audit.record(request, {
      type: 'client_created',
      zuid: user.zuid,
      clientId: client.clientId,
    });
    return sendHtml(
      reply,
      credentialsPage({
        user,
        csrfToken: reply.generateCsrf(),
        client,
        clientSecret,
        issuer: ctx.issuer,
        rotated: false,
      }),
    );
  });

  app.get('/console/apps/:id', page, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const client = await findOwnClient(ctx, user, (request.params as { id: string }).id);
    return sendHtml(
      reply,
      appPage({
        user,
        csrfToken: reply.generateCsrf(),
        client,
        catalogue: ctx.scopes,
        message: messageFrom(request.query),
        dataCentres: ctx.dataCentres,
      }),
    );
  });

  app.post('/console/apps/:id/data-centres', form, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const client = await findOwnClient(ctx, user, (request.params as { id: string }).id);
    const chosen = ctx.dataCentres.filter((dc) => formList(request, 'dc').includes(dc));
    if (chosen.length === 0)
      return reply.redirect(`/console/apps/${client.clientId}?done=multi-dc-empty`, 303);
    // Every served data centre checked is "all", so data centres added later are enabled too.
    const dataCentres = chosen.length === ctx.dataCentres.length ? null : chosen;
    if (!(await ctx.store.updateClient(client.clientId, { dataCentres }))) throw appNotFound();
    return reply.redirect(`/console/apps/${client.clientId}?done=multi-dc`, 303);
  });

  app.post('/console/apps/:id', form, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const client = await findOwnClient(ctx, user, (request.params as { id: string }).id);
    const fields = formFields(request);
    const values: ClientFormValues = {
      name: fields.name ?? '',
      domain: fields.domain ?? '',
      redirectUris: client.type === 'self' ? '' : (fields.redirect_uris ?? ''),
      type: client.type,
    };
    const input = {
      name: values.name,
      domain: values.domain,
      redirectUris: splitRedirectUris(values.redirectUris),
      type: client.type,
    };
    const problems = checkClientInput(input);
    if (Object.keys(problems).length > 0) {
      return sendHtml(
        reply,
        appPage({
          user,
          csrfToken: reply.generateCsrf(),
          client,
          catalogue: ctx.scopes,
          values,
          problems,
        }),
        400,
      );
    }
    const parsed = parseClientInput(input);
    const updated = await ctx.store.updateClient(client.clientId, {
      name: parsed.name,
      domain: parsed.domain,
      redirectUris: parsed.redirectUris,
    });
    if (!updated) throw appNotFound();
    return reply.redirect(`/console/apps/${client.clientId}?done=saved`, 303);
  });

  app.post('/console/apps/:id/rotate-secret', form, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const client = await findOwnClient(ctx, user, (request.params as { id: string }).id);
    // A public app has no secret; its page offers no rotation, so a stray post just goes back.
    if (isPublicClient(client.type)) return reply.redirect(`/console/apps/${client.clientId}`, 303);
    const clientSecret = await rotateSecret(ctx.store, client.clientId);
    if (clientSecret === undefined) throw appNotFound();
    await ctx.audit.record(request, {
      type: 'client_rotated',
      zuid: user.zuid,
      clientId: client.clientId,
    });
    return sendHtml(
      reply,
      credentialsPage({
        user,
        csrfToken: reply.generateCsrf(),
        client,
        clientSecret,
        issuer: ctx.issuer,
        rotated: true,
      }),
    );
  });

  app.get('/console/apps/:id/delete', page, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const client = await findOwnClient(ctx, user, (request.params as { id: string }).id);
    return sendHtml(reply, deleteConfirmPage({ user, csrfToken: reply.generateCsrf(), client }));
  });

  app.post('/console/apps/:id/delete', form, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const client = await findOwnClient(ctx, user, (request.params as { id: string }).id);
    if (await ctx.store.deleteClient(client.clientId))
      await ctx.audit.record(request, {
        type: 'client_deleted',
        zuid: user.zuid,
        clientId: client.clientId,
      });
    return reply.redirect('/console?done=deleted', 303);
  });
}

export const consoleEndpoints: RouteModule = { register };
