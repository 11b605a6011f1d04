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

/** Pages for people: registered where sign-in cookies and CSRF protection are available. */
export const BROWSER_ROUTES: readonly RouteModule[] = [
  authorizeEndpoint,
  loginEndpoints,
  homeEndpoints,
  consoleEndpoints,
  selfClientEndpoints,
  connectedAppsEndpoints,
];

/** Protocol endpoints (SPEC R4-R6), the SalesIQ-style API, the admin API and static assets: no cookies. */
export const API_ROUTES: readonly RouteModule[] = [
  metadataEndpoint,
  tokenEndpoint,
  revokeEndpoints,
  introspectEndpoint,
  userInfoEndpoint,
  salesiqApi,
  adminApiEndpoints,
  assetEndpoints,
];
