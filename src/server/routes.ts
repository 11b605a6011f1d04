/** Every route module of the server, in registration order. Add new endpoint modules here. */
import type { FastifyInstance } from 'fastify';
import { salesiqApi } from '../api/salesiq-api.ts';
import { adminApiEndpoints } from './endpoints/admin-api.ts';
import { assetEndpoints } from './endpoints/assets.ts';
import { authorizeEndpoint } from './endpoints/authorize.ts';
import { connectedAppsEndpoints } from './endpoints/connected-apps.ts';
import { consoleEndpoints } from './endpoints/console.ts';
import { homeEndpoints } from './endpoints/home.ts';
import { introspectEndpoint } from './endpoints/introspect.ts';
import { loginEndpoints } from './endpoints/login.ts';
import { metadataEndpoint } from './endpoints/metadata.ts';
import { revokeEndpoints } from './endpoints/revoke.ts';
import { selfClientEndpoints } from './endpoints/self-client.ts';
import { tokenEndpoint } from './endpoints/token.ts';
import { userInfoEndpoint } from './endpoints/userinfo.ts';

/** A Fastify plugin that adds one endpoint or page (or a small family of them). */
export type RouteModule = (app: FastifyInstance) => Promise<void>;

/** The OAuth core: what SPEC R3-R6 need. */
export const CORE_ROUTES: readonly RouteModule[] = [
  metadataEndpoint,
  authorizeEndpoint,
  loginEndpoints,
  tokenEndpoint,
  revokeEndpoints,
  introspectEndpoint,
  userInfoEndpoint,
];

/** Pages for people (issues 2 and 3) and the admin JSON API. */
export const PAGE_ROUTES: readonly RouteModule[] = [
  assetEndpoints,
  homeEndpoints,
  consoleEndpoints,
  selfClientEndpoints,
  connectedAppsEndpoints,
  adminApiEndpoints,
];

export const ALL_ROUTES: readonly RouteModule[] = [...CORE_ROUTES, salesiqApi, ...PAGE_ROUTES];
