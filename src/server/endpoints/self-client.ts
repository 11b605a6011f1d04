/**
 * Generate Code for a self client (SPEC R2): the owner picks scopes from the catalogue, a
 * lifetime of 3, 5, 7 or 10 minutes and a description, and gets a code for their own account
 * that is exchanged at /oauth/v2/token without a redirect_uri, with a refresh token as Zoho does.
 */
import type { FastifyInstance } from 'fastify';
import { mintCode } from '../../core/codes.ts';
import { OAuthError } from '../../core/errors.ts';
import { hashSecret, safeEqual } from '../../core/ids.ts';
import { findOwnClient, formFields, formList, requireUser, sendHtml } from '../pages.ts';
import { appPage, CODE_LIFETIMES, type CodeFormValues, type CodeProblems } from '../ui/app-page.ts';
import { selfClientCodePage } from '../ui/self-client-code-page.ts';
import type { RouteModule } from '../routes.ts';

const MAX_DESCRIPTION = 200;

async function register(app: FastifyInstance): Promise<void> {
  const ctx = app.tollgate;

  app.post(
    '/console/apps/:id/code',
    { config: { errorKind: 'page' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const user = await requireUser(ctx, request, reply);
      if (!user) return reply;
      const client = await findOwnClient(ctx, user, (request.params as { id: string }).id);
      if (client.type !== 'self') {
        throw new OAuthError(
          'unauthorized_client',
          'Only a self client gets codes from the console; other apps get them by redirect.',
          { redirectable: false },
        );
      }
      const fields = formFields(request);
      const values: CodeFormValues = {
        scopes: formList(request, 'scope').slice(0, 200),
        lifetime: fields.lifetime ?? '3',
        description: fields.description ?? '',
      };
      const secret = fields.client_secret ?? '';
      const problems: CodeProblems = {};

      const scopes: string[] = [];
      for (const name of values.scopes) {
        const entry = ctx.scopes.find(name);
        if (!entry) {
          problems.scopes = `Unknown scope: ${name.slice(0, 100)}`;
          break;
        }
        if (!scopes.includes(entry.name)) scopes.push(entry.name);
      }
      if (!problems.scopes && scopes.length === 0) problems.scopes = 'Pick at least one scope.';
      const minutes = Number(values.lifetime);
      if (!(CODE_LIFETIMES as readonly number[]).includes(minutes))
        problems.lifetime = 'Time Duration must be 3, 5, 7 or 10 minutes.';
      const description = values.description.trim();
      if ([...description].length > MAX_DESCRIPTION)
        problems.description = `Description must be at most ${MAX_DESCRIPTION} characters.`;
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
      else if (/[\u0000-\u001f\u007f]/.test(description))
        problems.description = 'Description must not contain control characters.';
      if (secret !== '' && !safeEqual(hashSecret(secret), client.secretHash)) {
        problems.clientSecret =
          "This is not the app's current client secret (leave it empty to fill it in later).";
      }
      if (Object.keys(problems).length > 0) {
        return sendHtml(
          reply,
          appPage({
            user,
            csrfToken: reply.generateCsrf(),
            client,
            catalogue: ctx.scopes,
            code: values,
            codeProblems: problems,
          }),
          400,
        );
      }

      const { code, expiresAt } = await mintCode(ctx.store, {
        clientId: client.clientId,
        zuid: user.zuid,
        scopes,
        redirectUri: null,
        offline: true,
        codeChallenge: null,
        codeChallengeMethod: null,
        state: null,
        description: description || null,
        lifetimeSeconds: minutes * 60,
        now: ctx.now(),
        throttle: ctx.config.throttle
          ? { limit: ctx.config.codeLimit, windowMs: ctx.config.throttleWindow * 1000 }
          : null,
      });
      const file = {
        client_id: client.clientId,
        client_secret: secret || null,
        code,
        grant_type: 'authorization_code' as const,
        expiry_time: expiresAt,
      };
      return sendHtml(
        reply,
        selfClientCodePage({
          user,
          csrfToken: reply.generateCsrf(),
          client,
          file,
          scopes,
          issuer: ctx.issuer,
        }),
      );
    },
  );
}

export const selfClientEndpoints: RouteModule = { register };
