/**
 * `tollgate/client`: obtain and keep valid tokens from Tollgate or Zoho Accounts. Depends on
 * nothing but Node built-ins and `fetch`.
 */
export { createClient } from './client.ts';
export type {
  AuthorizationRequest,
  AuthorizationUrlOptions,
  CallbackChecks,
  ClientOptions,
  ExchangeCodeOptions,
  TollgateClient,
  UserInfo,
} from './client.ts';
export { DATA_CENTRES, findDataCentreByAccountsServer, isDataCentre } from './data-centres.ts';
export type { DataCentre, DataCentreInfo } from './data-centres.ts';
export { OAuthError, TollgateClientError } from './errors.ts';
export type {
  OAuthErrorOptions,
  RequestSummary,
  TollgateClientErrorCode,
  TollgateClientErrorOptions,
} from './errors.ts';
export type { ThrottleSettings } from './http.ts';
export type {
  DeviceAuthorization,
  DeviceAuthorizationOptions,
  PollDeviceOptions,
} from './device-flow.ts';
export { readApiRejection } from './api-rejection.ts';
export type { ApiRejection } from './api-rejection.ts';
export { parseTokenResponse, readExpiresInSeconds, refreshDueAt } from './token-set.ts';
export type { ParseTokenResponseOptions, TokenSet } from './token-set.ts';
export { createMemoryStore } from './stores/memory-store.ts';
export { createFileStore } from './stores/file-store.ts';
export type { FileStoreOptions, FileTokenStore } from './stores/file-store.ts';
export type { FileLockOptions } from './stores/file-lock.ts';
export type { TokenStore } from './stores/token-store.ts';
export { defaultTokenFile, encodeProfileSettings, openSavedProfile } from './saved-profile.ts';
export type { ProfileSettings, SavedProfileOptions } from './saved-profile.ts';
