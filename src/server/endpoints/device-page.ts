/**
 * The device flow's verification page, `/oauth/v3/device` (SPEC R13.2; RFC 8628 §3.3): the
 * person signs in, types the user code (skipped when it came in the URL), then answers the
 * consent page; the answer settles the device code, which the device's next poll reads.
 * A wrong code says so and the person may retry; after 5 wrong codes the page takes no more
 * codes for the device-code lifetime, and a right code typed then ends that device code (the
 * device hears `expired`), against guessing (RFC 8628 §5.1).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../core/errors.ts';
import {
  deviceGrantCodeHash,
  hashUserCode,
  MAX_WRONG_USER_CODES,
  normalizeUserCode,
} from '../../core/device-codes.ts';
import type { DeviceCode, User } from '../../store/types.ts';
import type { ServerContext } from '../context.ts';
import { VERIFICATION_PATH } from '../device-flow.ts';
import type { RouteModule } from '../routes.ts';
import { currentSignIn } from '../session.ts';
import { consentPage } from '../ui/consent-page.ts';
import { deviceCodePage, deviceDonePage } from '../ui/device-page.ts';
import { loginPage } from '../ui/login-page.ts';
import { checkEnabledForUser } from './authorize.ts';

const sendPage = (reply: FastifyReply, body: string, status = 200): FastifyReply =>
  reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);

/** The counter of a person's wrong user codes (in the store, so it holds across instances). */
const wrongTriesKey = (user: User): string => `device-user-code:${user.zuid}`;

/** A pending, unexpired device code by its typed user code. */
async function findPending(ctx: ServerContext, typed: string): Promise<DeviceCode | undefined> {
  const normalized = normalizeUserCode(typed);
  if (normalized === undefined) return undefined;
  const found = await ctx.store.findDeviceCodeByUserCode(hashUserCode(normalized));
  return found?.status === 'pending' && found.expiresAt > ctx.now() ? found : undefined;
}

/** Checks a typed user code: the consent page for a right one, the form again for a wrong one. */
async function answerUserCode(
  ctx: ServerContext,
  reply: FastifyReply,
  signIn: { user: User },
  typed: string,
): Promise<FastifyReply> {
  const { user } = signIn;
  const csrfToken = reply.generateCsrf();
  const windowMs = ctx.config.deviceCodeTtl * 1000;
  const now = ctx.now();
  const found = await findPending(ctx, typed);
  const tries = await ctx.store.peekCounter(wrongTriesKey(user), now);
  const lockedPage = (): FastifyReply =>
    sendPage(
      reply,
      deviceCodePage({
        email: user.email,
        csrfToken,
        locked: true,
        error: `Too many wrong codes. Start again on your device to get a new code, then try again later.`,
      }),
      429,
    );
  if (tries.count >= MAX_WRONG_USER_CODES) {
    if (found) await ctx.store.settleDeviceCode(found.deviceCodeHash, now, { end: true });
    return lockedPage();
  }
  if (!found) {
    const hit = await ctx.store.hitCounter(wrongTriesKey(user), windowMs, now);
    if (hit.count >= MAX_WRONG_USER_CODES) return lockedPage();
    const left = MAX_WRONG_USER_CODES - hit.count;
    return sendPage(
      reply,
      deviceCodePage({
        email: user.email,
        csrfToken,
        typed: typed.slice(0, 40),
        error: `That code is not right, or it has expired. Check the code on your device and try again (${left} ${left === 1 ? 'try' : 'tries'} left).`,
      }),
    );
  }
  const client = await ctx.store.findClient(found.clientId);
  if (!client) throw new OAuthError('invalid_request', 'The app was deleted.', { status: 400 });
  checkEnabledForUser(ctx, client, user);
  return sendPage(
    reply,
    consentPage({
      client,
      user,
      scopes: found.scopes,
      offline: found.offline,
      catalogue: ctx.scopes,
      request: new URLSearchParams({ user_code: normalizeUserCode(typed) ?? '' }).toString(),
      csrfToken,
      action: VERIFICATION_PATH,
    }),
  );
}

/** The consent page's answer: settles the device code. */
async function answerConsent(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  signIn: { user: User; signedInAt: number },
  body: Record<string, unknown>,
): Promise<FastifyReply> {
  const { user } = signIn;
  const typed = new URLSearchParams(typeof body.request === 'string' ? body.request : '').get(
    'user_code',
  );
  const found = typed === null ? undefined : await findPending(ctx, typed);
  if (!found)
    throw new OAuthError(
      'invalid_request',
      'This code is no longer valid: it was used, denied or has expired. Start again on your device.',
      { status: 400, redirectable: false },
    );
  const client = await ctx.store.findClient(found.clientId);
  if (!client) throw new OAuthError('invalid_request', 'The app was deleted.', { status: 400 });
  checkEnabledForUser(ctx, client, user);
  const now = ctx.now();
  const csrfToken = reply.generateCsrf();
  const audit = (decision: 'accept' | 'deny') =>
    ctx.audit.record(request, {
      type: 'consent',
      ...(decision === 'deny' ? { outcome: 'failure' as const } : {}),
      zuid: user.zuid,
      clientId: client.clientId,
      detail: { decision, scopes: found.scopes.join(' '), flow: 'device' },
    });
  if (body.decision === 'deny') {
    await audit('deny');
    await ctx.store.settleDeviceCode(found.deviceCodeHash, now, { deny: { zuid: user.zuid } });
    return sendPage(
      reply,
      deviceDonePage({ email: user.email, csrfToken, approved: false, appName: client.name }),
    );
  }
  if (body.decision !== 'accept')
    throw new OAuthError('invalid_request', 'No decision was made.', { redirectable: false });
  const { first } = await ctx.store.recordConsent(user.zuid, client.clientId, found.scopes, now);
  const settled = await ctx.store.settleDeviceCode(found.deviceCodeHash, now, {
    approve: {
      codeHash: deviceGrantCodeHash(found.deviceCodeHash),
      clientId: client.clientId,
      zuid: user.zuid,
      scopes: found.scopes,
      redirectUri: null,
      // A refresh token comes only with a new consent, as at the authorization endpoint (R5.1).
      offline: found.offline && (first || found.promptConsent),
      codeChallenge: null,
      codeChallengeMethod: null,
      state: null,
      description: 'device flow',
      expiresAt: found.expiresAt,
      createdAt: now,
      authTime: signIn.signedInAt,
    },
  });
  if (settled.outcome !== 'settled')
    throw new OAuthError('invalid_request', 'This code was answered already.', {
      status: 400,
      redirectable: false,
    });
  await audit('accept');
  return sendPage(
    reply,
    deviceDonePage({ email: user.email, csrfToken, approved: true, appName: client.name }),
  );
}

function signInFirst(reply: FastifyReply, returnTo: string): FastifyReply {
  return sendPage(reply, loginPage({ returnTo, csrfToken: reply.generateCsrf() }));
}

function returnPath(request: FastifyRequest): string {
  return request.url.startsWith(VERIFICATION_PATH) ? request.url : VERIFICATION_PATH;
}

export const devicePageEndpoints: RouteModule = {
  async register(app) {
    const ctx = app.tollgate;

    app.get(VERIFICATION_PATH, { config: { errorKind: 'page' } }, async (request, reply) => {
      const signIn = await currentSignIn(ctx, request);
      if (!signIn) return signInFirst(reply, returnPath(request));
      const query = request.query as Record<string, unknown>;
      const inUrl = typeof query.user_code === 'string' ? query.user_code : undefined;
      if (inUrl !== undefined && inUrl !== '') return answerUserCode(ctx, reply, signIn, inUrl);
      return sendPage(
        reply,
        deviceCodePage({ email: signIn.user.email, csrfToken: reply.generateCsrf() }),
      );
    });

    app.post(
      VERIFICATION_PATH,
      { config: { errorKind: 'page' }, preHandler: app.csrfProtection },
      async (request, reply) => {
        const signIn = await currentSignIn(ctx, request);
        if (!signIn) return signInFirst(reply, VERIFICATION_PATH);
        const body = (request.body ?? {}) as Record<string, unknown>;
        if (body.decision !== undefined) return answerConsent(ctx, request, reply, signIn, body);
        const typed = typeof body.user_code === 'string' ? body.user_code : '';
        return answerUserCode(ctx, reply, signIn, typed);
      },
    );
  },
};
