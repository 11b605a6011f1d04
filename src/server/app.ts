/**
 * buildApp(config, store): the whole server as a Fastify instance, without listening, so tests
 * can use `app.inject()` or listen on port 0. `tollgate serve` listens.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { Config } from '../core/config.ts';
import { holdsUnstorableText } from '../core/text.ts';
import { invalidRequest, OAuthError } from '../core/errors.ts';
import { catalogueName, loadScopeCatalogue, type ScopeCatalogue } from '../core/scopes.ts';
import type { Store } from '../store/types.ts';
import { ServerContext, type ServerContextOptions } from './context.ts';
import {
  API_ROUTES,
  BROWSER_ROUTES,
  FORM_ROUTES,
  kindOfUnknownPath,
  ROUTE_MODULES,
} from './routes.ts';
import { metadataEndpoint } from './endpoints/metadata.ts';
import { loggerOptions } from './logging.ts';
import { lazyChildLogger } from './request-logger.ts';
import { trackConnections } from './connection-drain.ts';
import { startJanitor } from './janitor.ts';
import { addSecurityHeaders } from './security-headers.ts';
import { isUnavailable, renderError, toOAuthError } from './render-error.ts';
import { STYLESHEET } from './ui/layout.ts';
import { installEmulator } from './emulator/emulator.ts';
import { registerControlApi } from './emulator/control-api.ts';
import { loadTlsFiles } from './tls.ts';
import { noteSignedInUser } from './session.ts';

declare module 'fastify' {
  interface FastifyInstance {
    tollgate: ServerContext;
  }
}

export interface BuildAppOptions extends ServerContextOptions {
  /** A scope catalogue other than the configured one. */
  scopes?: ScopeCatalogue;
  /** Extra Fastify options (tests pass a log stream here). */
  fastify?: Partial<FastifyServerOptions>;
  /** Where log lines go (default: standard output). */
  logStream?: { write(line: string): void };
}

const DAY_MS = 24 * 3600_000;

/** The largest request body accepted anywhere (SPEC: oversized input is invalid_request). */
export const BODY_LIMIT = 100 * 1024;

export async function buildApp(
  config: Config,
  store: Store,
  options: BuildAppOptions = {},
): Promise<FastifyInstance> {
  const ctx = new ServerContext(
    config,
    store,
    options.scopes ?? loadScopeCatalogue(catalogueName(config), config.scopesFile),
    options,
  );
  const tls = loadTlsFiles(config);
  // Slow or stalled clients (slowloris, a trickled body): the whole request must arrive within
  // requestTimeout. Given to Node when the server is created, and checked every second: set
  // afterwards (Fastify's default), a body trickled a byte at a time kept its connection open.
  const serverOptions = {
    headersTimeout: config.requestTimeout * 1000,
    connectionsCheckingInterval: 1_000,
  };
  // With --tls-cert, Node's HTTPS server takes the same options beside the certificate; the
  // instance keeps the HTTP server's type, which its routes and hooks are written against.
  const listener: { http: typeof serverOptions } | object = tls
    ? { https: { ...serverOptions, ...tls } }
    : { http: serverOptions };
  const app = Fastify({
    logger: options.logStream
      ? { ...loggerOptions(config.logLevel), stream: options.logStream }
      : loggerOptions(config.logLevel),
    // One line per request, written in onResponse below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's pino child is made when it first writes a line (SPEC R16).
    childLoggerFactory: lazyChildLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    requestTimeout: config.requestTimeout * 1000,
    ...listener,
    connectionTimeout: 60_000,
    keepAliveTimeout: 10_000,
    ...options.fastify,
  });
  app.decorate('tollgate', ctx);
  const connections = trackConnections(app.server);
  app.addHook('preClose', (done) => {
    connections.drain();
    done();
  });

  const janitor = startJanitor({
    store,
    intervalMs: config.janitorInterval * 1000,
    now: ctx.now,
    auditRetentionMs: config.auditRetention * DAY_MS,
    onPass(result, ms) {
      ctx.metrics?.recordJanitorPass(result);
      if (result.outcome === 'swept' && Object.values(result.deleted).some((n) => n > 0))
        app.log.info({ deleted: result.deleted, ms }, 'janitor');
    },
    onError(error) {
      ctx.metrics?.recordJanitorPass('failed');
      app.log.warn({ err: error }, 'janitor pass failed; retrying at the next interval');
    },
  });
  app.addHook('onClose', async () => janitor.stop());
  // The cache hears revocations from the store (and, on PostgreSQL, from other instances).
  if (ctx.tokenCache) {
    const cache = ctx.tokenCache;
    const stopHearing = store.subscribeRevocations(cache);
    app.addHook('onClose', async () => stopHearing());
    // Each request read from a socket opens (or joins) the cache's batch, so it checks for other
    // processes' revocations once per batch, not per lookup (TokenCache.arrived, SPEC R15.6).
    // Before Fastify's own listener, so the batch is open when the request's lookup runs.
    app.server.prependListener('request', () => cache.arrived());
  }

  const { metrics } = ctx;
  const requestLogLevel = config.demo ? 'debug' : 'info';
  // A callback, not an async function: no promise per request (SPEC R16).
  app.addHook('onResponse', (request, reply, done) => {
    if (metrics) {
      // The route pattern, never the raw URL: label values stay few whatever clients send.
      const route = request.routeOptions.url ?? 'unmatched';
      const method = request.method;
      metrics.requests.inc({ route, method, status: reply.statusCode });
      metrics.latency.observe({ route, method }, reply.elapsedTime / 1000);
    }
    // With --demo, a person reads the start banner in the same terminal: request lines go one
    // level down (shown with --log-level debug) instead of burying it (issue 17).
    request.log[requestLogLevel](
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    done();
  });

  // The emulator's request log and faults see every request; with it off, no hook is added.
  if (ctx.emulator) installEmulator(app, ctx, ctx.emulator);

  // Body formats (SPEC R4.1): url-encoded, multipart text fields, and an empty body of any type.
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (request, body, done) => {
      if (body === '') return done(null, undefined);
      defaultJson(request, body as string, done);
    },
  );
  app.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (_request, body, done) => {
      if (body === '') return done(null, undefined);
      done(
        new OAuthError(
          'invalid_request',
          'Unsupported content type; send application/x-www-form-urlencoded.',
          { status: 415, redirectable: false },
        ),
        undefined,
      );
    },
  );

  addSecurityHeaders(app, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        // No form-action: Chromium applies it to the redirect chain after a form post, and the
        // consent and sign-in forms end in a redirect to the app.
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });

  // Every route says how its errors look; a route without errorKind is a programming error.
  app.addHook('onRoute', (route) => {
    if (route.config?.errorKind === undefined) {
      throw new Error(`Route ${route.method} ${route.url} has no config.errorKind.`);
    }
    for (const method of [route.method].flat()) ctx.routes.push({ method, url: route.url });
  });
  app.decorateRequest('wireProfile', null);
  app.decorateRequest('redirectTarget', null);
  app.decorateRequest('signedInUser', null);
  // Text from the wire is checked once, here, after parsing and before any handler: a NUL in
  // the query, the body (form, multipart or JSON) or a path parameter is invalid_request in the
  // route's shape, instead of reaching the database (PostgreSQL refuses it with a 500).
  // A callback, not an async function: no promise and no microtask turn per request (SPEC R16).
  app.addHook('preValidation', (request, _reply, done) => {
    if (
      holdsUnstorableText(request.query) ||
      holdsUnstorableText(request.body) ||
      holdsUnstorableText(request.params)
    ) {
      done(
        new OAuthError('invalid_request', 'The request contains a NUL character.', {
          status: 400,
          redirectable: false,
        }),
      );
      return;
    }
    done();
  });

  app.get('/assets/style.css', { config: { errorKind: 'page' } }, async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(STYLESHEET),
  );
  // Routes name their kind; a request no route matched (a 404 whose hooks failed) is answered
  // in the kind of the module that owns its path.
  app.setErrorHandler(async (error, request, reply) => {
    if (metrics) {
      const route = request.routeOptions.url ?? 'unmatched';
      if (isUnavailable(error)) metrics.storeErrors.inc({ route });
      else if (toOAuthError(error).throttle) metrics.throttled.inc({ route });
    }
    const kind =
      request.routeOptions.config.errorKind ?? kindOfUnknownPath(request.url.split('?')[0] ?? '');
    if ((kind === 'page' || kind === 'authorize') && !isUnavailable(error))
      await noteSignedInUser(ctx, request);
    return renderError(kind, error, request, reply, ctx.config.profile);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const err = new OAuthError(
      'invalid_request',
      `There is nothing at ${request.method} ${path.slice(0, 200)}.`,
      {
        status: 404,
        redirectable: false,
        resourceCode: 'not_found',
      },
    );
    const kind = kindOfUnknownPath(path);
    if (kind === 'page') await noteSignedInUser(ctx, request);
    return renderError(kind, err, request, reply, ctx.config.profile);
  });

  // Pages for people get cookies and CSRF protection; the protocol endpoints and APIs never read
  // cookies, so they skip those hooks (and their cost on every request). The form-post
  // endpoints take multipart bodies (SPEC R4.1); user info and the JSON APIs do not, and skip
  // its hooks too. Each group is its own encapsulated Fastify context.
  await app.register(async (pages) => {
    await pages.register(cookie);
    await pages.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'tg_csrf',
      cookieOpts: {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: ctx.issuer.startsWith('https:'),
      },
    });
    for (const route of BROWSER_ROUTES) await pages.register(route.register);
  });
  await app.register(async (forms) => {
    await forms.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fields: 100, fieldSize: 16 * 1024, files: 0, fileSize: 0, parts: 100 },
      onFile: async () => {
        throw invalidRequest('File parts are not accepted.');
      },
    });
    for (const route of FORM_ROUTES) await forms.register(route.register);
  });
  await app.register(async (api) => {
    await api.register(metadataEndpoint(ROUTE_MODULES).register);
    for (const route of API_ROUTES) await api.register(route.register);
  });
  if (ctx.emulator) await registerControlApi(app, ctx.emulator);
  return app;
}
