/**
 * Every route module of the server, in registration order. A module registers its routes,
 * names the path prefixes it owns (so an unknown path there is answered in its kind), and adds
 * what it serves to the server metadata (RFC 8414): metadata is derived from what is registered
 * and enabled, never a hand-kept list. Add new endpoint modules here.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.ts';
import type { ErrorKind } from './render-error.ts';
import { accountActivityEndpoints } from './endpoints/account-activity.ts';
import { adminApiEndpoints } from './endpoints/admin-api.ts';
import { assetEndpoints } from './endpoints/assets.ts';
import { authorizeEndpoint } from './endpoints/authorize.ts';
import { connectedAppsEndpoints } from './endpoints/connected-apps.ts';
import { deviceEndpoints } from './endpoints/device.ts';
import { devicePageEndpoints } from './endpoints/device-page.ts';
import { consoleEndpoints } from './endpoints/console.ts';
import { healthEndpoints } from './endpoints/health.ts';
import { homeEndpoints } from './endpoints/home.ts';
import { addExtraScopeEndpoint, scopeEnhanceEndpoint } from './endpoints/incremental-auth.ts';
import { introspectEndpoint } from './endpoints/introspect.ts';
import { metricsEndpoint } from './endpoints/metrics.ts';
import { parEndpoint } from './endpoints/par.ts';
import { registrationEndpoint } from './endpoints/registration.ts';
import { keysEndpoint } from './endpoints/keys.ts';
import { openidUserInfoEndpoint } from './endpoints/openid-userinfo.ts';
import { loginEndpoints } from './endpoints/login.ts';
import { revokeEndpoints } from './endpoints/revoke.ts';
import { salesiqApiEndpoints } from './endpoints/salesiq-api.ts';
import { selfClientEndpoints } from './endpoints/self-client.ts';
import { tokenEndpoint } from './endpoints/token.ts';
import { serverInfoEndpoint } from './endpoints/serverinfo.ts';
import { userInfoEndpoint } from './endpoints/userinfo.ts';

/** Server metadata fields (RFC 8414 §2), as a module contributes them. */
export type MetadataFields = Record<string, unknown>;

/** One endpoint, or a small family of them. */
export interface RouteModule {
  /** Adds the routes (each with `config.errorKind`). */
  register(app: FastifyInstance): Promise<void>;
  /** Path prefixes this module owns: an unknown path under one is answered in this kind. */
  readonly owns?: readonly { readonly prefix: string; readonly kind: ErrorKind }[];
  /** What this module adds to the metadata document, given what is enabled. */
  metadata?(ctx: ServerContext): MetadataFields;
  /**
   * What it adds to, or changes in, the OpenID Connect discovery document only (SPEC R13.3), on
   * top of `metadata`.
   */
  openidMetadata?(ctx: ServerContext): MetadataFields;
}

/** Pages for people: registered where sign-in cookies and CSRF protection are available. */
export const BROWSER_ROUTES: readonly RouteModule[] = [
  authorizeEndpoint,
  loginEndpoints,
  homeEndpoints,
  consoleEndpoints,
  selfClientEndpoints,
  connectedAppsEndpoints,
  accountActivityEndpoints,
  addExtraScopeEndpoint,
  devicePageEndpoints,
];

/**
 * Protocol endpoints that take form posts (SPEC R4.1: url-encoded or multipart text fields, as
 * Zoho's SDKs send): no cookies.
 */
export const FORM_ROUTES: readonly RouteModule[] = [
  tokenEndpoint,
  deviceEndpoints,
  parEndpoint,
  registrationEndpoint,
  scopeEnhanceEndpoint,
  revokeEndpoints,
  introspectEndpoint,
];

/**
 * Reads and JSON APIs (user info, keys, the SalesIQ-style API, the admin API, static assets,
 * health, metrics): no cookies and no multipart parsing, whose hooks would run on every call.
 * The metadata endpoint is added by buildApp over every module.
 */
export const API_ROUTES: readonly RouteModule[] = [
  userInfoEndpoint,
  serverInfoEndpoint,
  keysEndpoint,
  openidUserInfoEndpoint,
  salesiqApiEndpoints,
  adminApiEndpoints,
  assetEndpoints,
  healthEndpoints,
  metricsEndpoint,
];

/** Every module, in order. */
export const ROUTE_MODULES: readonly RouteModule[] = [
  ...BROWSER_ROUTES,
  ...FORM_ROUTES,
  ...API_ROUTES,
];

/** The kind of answer for a path no route matched: the owner of its longest prefix, else a page. */
export function kindOfUnknownPath(path: string): ErrorKind {
  let best: { prefix: string; kind: ErrorKind } | undefined;
  for (const module of ROUTE_MODULES) {
    for (const owned of module.owns ?? []) {
      if (path.startsWith(owned.prefix) && owned.prefix.length > (best?.prefix.length ?? -1))
        best = owned;
    }
  }
  return best?.kind ?? 'page';
}

/**
 * The metadata document: each module's fields merged in order (lists are concatenated without
 * repeats), so what is advertised is what is registered and enabled.
 */
export function collectMetadata(
  ctx: ServerContext,
  modules: readonly RouteModule[],
  document: 'oauth' | 'openid' = 'oauth',
): MetadataFields {
  const out: MetadataFields = {};
  const merge = (fields: MetadataFields): void => {
    for (const [key, value] of Object.entries(fields)) {
      const seen = out[key];
      out[key] =
        Array.isArray(seen) && Array.isArray(value) ? [...new Set([...seen, ...value])] : value;
    }
  };
  for (const module of modules) merge(module.metadata?.(ctx) ?? {});
  if (document === 'openid') {
    // OIDC-only fields replace the OAuth ones of the same name (userinfo_endpoint).
    for (const module of modules) Object.assign(out, module.openidMetadata?.(ctx) ?? {});
  }
  return out;
}
