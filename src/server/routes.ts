/** Every route module of the server, in registration order. Add new endpoint modules here. */
import type { FastifyInstance } from 'fastify';
import { salesiqApi } from '../api/salesiq-api.ts';
import { authorizeEndpoint } from './endpoints/authorize.ts';
import { introspectEndpoint } from './endpoints/introspect.ts';
import { loginEndpoints } from './endpoints/login.ts';
import { metadataEndpoint } from './endpoints/metadata.ts';
import { revokeEndpoints } from './endpoints/revoke.ts';
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

export const ALL_ROUTES: readonly RouteModule[] = [...CORE_ROUTES, salesiqApi];
