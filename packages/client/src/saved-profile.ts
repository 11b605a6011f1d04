import { homedir } from 'node:os';
import { join } from 'node:path';
import { createClient } from './client.ts';
import type { ClientOptions, TollgateClient } from './client.ts';
import { isDataCentre } from './data-centres.ts';
import type { DataCentre } from './data-centres.ts';
import { TollgateClientError } from './errors.ts';
import { createFileStore } from './stores/file-store.ts';
import type { FileTokenStore } from './stores/file-store.ts';

/**
 * The token file used when none is given: `$TOLLGATE_TOKEN_FILE`, else
 * `$XDG_CONFIG_HOME/tollgate/tokens.json` (default `~/.config/tollgate/tokens.json`).
 */
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env['TOLLGATE_TOKEN_FILE']) return env['TOLLGATE_TOKEN_FILE'];
  return join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'tollgate', 'tokens.json');
}

/** What a saved profile remembers about its client, so later commands need no flags. */
export interface ProfileSettings {
  readonly accountsUrl?: string | undefined;
  readonly dc?: DataCentre | undefined;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly redirectUri?: string | undefined;
  readonly scopes: readonly string[];
}

/** Turns settings into the string map a {@link FileTokenStore} keeps. */
export function encodeProfileSettings(settings: ProfileSettings): Record<string, string> {
  const encoded: Record<string, string> = {
    clientId: settings.clientId,
    scopes: settings.scopes.join(' '),
  };
  if (settings.accountsUrl !== undefined) encoded['accountsUrl'] = settings.accountsUrl;
  if (settings.dc !== undefined) encoded['dc'] = settings.dc;
  if (settings.clientSecret !== undefined) encoded['clientSecret'] = settings.clientSecret;
  if (settings.redirectUri !== undefined) encoded['redirectUri'] = settings.redirectUri;
  return encoded;
}

/** Options of {@link openSavedProfile}. */
export interface SavedProfileOptions {
  readonly tokenFile?: string;
  readonly profile?: string;
  /** Passed through to {@link createClient}. */
  readonly client?: Partial<
    Pick<ClientOptions, 'fetch' | 'timeoutMs' | 'throttle' | 'refreshMarginSeconds'>
  >;
}

/**
 * Opens a profile saved by `tollgate login` (or by {@link encodeProfileSettings}): its store,
 * and a client built from its settings, ready for `getAccessToken()`.
 */
export async function openSavedProfile(
  options: SavedProfileOptions = {},
): Promise<{ client: TollgateClient; store: FileTokenStore; settings: ProfileSettings }> {
  const path = options.tokenFile ?? defaultTokenFile();
  const store = createFileStore({ path, profile: options.profile ?? 'default' });
  const raw = await store.getSettings();
  const clientId = raw?.['clientId'];
  if (raw === undefined || clientId === undefined) {
    throw new TollgateClientError('not_signed_in', `No profile ${store.profile} in ${path}.`, {
      hint: `Run \`tollgate login --profile ${store.profile} ...\` first.`,
    });
  }
  const dc = raw['dc'];
  const settings: ProfileSettings = {
    accountsUrl: raw['accountsUrl'],
    dc: dc !== undefined && isDataCentre(dc) ? dc : undefined,
    clientId,
    clientSecret: raw['clientSecret'],
    redirectUri: raw['redirectUri'],
    scopes: (raw['scopes'] ?? '').split(' ').filter(Boolean),
  };
  const client = createClient({
    ...(settings.dc === undefined ? { accountsUrl: settings.accountsUrl } : { dc: settings.dc }),
    clientId,
    ...(settings.clientSecret === undefined ? {} : { clientSecret: settings.clientSecret }),
    ...(settings.redirectUri === undefined ? {} : { redirectUri: settings.redirectUri }),
    scopes: settings.scopes,
    store,
    ...options.client,
  });
  return { client, store, settings };
}
