/**
 * Tollgate's server-side entry points, for embedding the authorization server in a program
 * or a test. The client SDK is `tollgate/client`; resource-server middleware is `tollgate/resource`.
 */
export { buildApp, type BuildAppOptions } from './server/app.ts';
export { ServerContext } from './server/context.ts';
export {
  parseConfig,
  configTable,
  CONFIG_SCHEMA,
  type Config,
  type ConfigInput,
} from './core/config.ts';
export { openStore, type OpenStoreOptions } from './store/open-store.ts';
export type { Store } from './store/types.ts';
export { OAuthError, TollgateError, type OAuthErrorCode } from './core/errors.ts';
export { loadScopeCatalogue, ScopeCatalogue, hasScope } from './core/scopes.ts';
export { registerClient, rotateSecret } from './core/registration.ts';
export { WIRE_PROFILES, type WireProfile } from './core/profiles.ts';
