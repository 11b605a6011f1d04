/**
 * Zoho's device flow for clients without a browser (TVs, CLIs): ask for a user code, show it,
 * and poll until the person approved it on another device. The answers are Zoho's: times in
 * milliseconds, `authorization_pending`, `slow_down`, `other_dc` naming the person's data
 * centre (poll there), `access_denied` and `expired`.
 * @see https://www.zoho.com/accounts/protocol/oauth/devices/initiation-request.html
 * @see https://www.zoho.com/accounts/protocol/oauth/devices/polling-request.html
 * @see RFC 8628 §3.1-§3.5
 */
import { endpoint } from './accounts-server.ts';
import { OAuthError, TollgateClientError } from './errors.ts';
import { postForm, type HttpSettings } from './http.ts';

/** A started device authorization: show `userCode` and `verificationUrl`, then poll. */
export interface DeviceAuthorization {
  /** The code the person types on the verification page. */
  readonly userCode: string;
  /** The code the device polls with (a secret of the device). */
  readonly deviceCode: string;
  /** Where the person goes to type the code. */
  readonly verificationUrl: string;
  /** The same page with the code already in it, when the server sends one. */
  readonly verificationUriComplete: string | undefined;
  /** The least time between two polls, in milliseconds. */
  readonly intervalMs: number;
  /** When the codes expire, epoch milliseconds. */
  readonly expiresAt: number;
  /** The accounts server that issued the codes (polling starts there). */
  readonly accountsServer: string;
}

/** Options of a device authorization request. */
export interface DeviceAuthorizationOptions {
  /** Scopes to ask for (default: the client's). */
  readonly scopes?: readonly string[];
  /** `offline` asks for a refresh token. */
  readonly accessType?: 'online' | 'offline';
  readonly prompt?: 'consent';
}

/** Options of polling. */
export interface PollDeviceOptions {
  /** Called after each `authorization_pending`, e.g. to show progress. */
  readonly onPending?: () => void;
  /** Stops polling (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** Reads a positive number of a response, or fails naming the field. */
function positive(body: Readonly<Record<string, unknown>>, name: string, url: string): number {
  const value = body[name];
  if (typeof value !== 'number' || !(value > 0))
    throw new TollgateClientError('invalid_response', `${url} sent no positive ${name}.`, {
      hint: 'Check that the accounts URL is a Zoho (or Tollgate zoho-profile) accounts server.',
    });
  return value;
}

function text(body: Readonly<Record<string, unknown>>, name: string, url: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '')
    throw new TollgateClientError('invalid_response', `${url} sent no ${name}.`, {
      hint: 'Check that the accounts URL is a Zoho (or Tollgate zoho-profile) accounts server.',
    });
  return value;
}

/** `POST /oauth/v3/device/code` (grant_type=device_request). */
export async function requestDeviceAuthorization(
  http: HttpSettings,
  accountsServer: string,
  clientId: string,
  scopes: readonly string[],
  options: DeviceAuthorizationOptions,
  now: number,
): Promise<DeviceAuthorization> {
  const url = endpoint(accountsServer, 'oauth/v3/device/code');
  const { body } = await postForm(http, url, {
    client_id: clientId,
    grant_type: 'device_request',
    scope: (options.scopes ?? scopes).join(','),
    access_type: options.accessType ?? 'online',
    ...(options.prompt ? { prompt: options.prompt } : {}),
  });
  const complete = body['verification_uri_complete'];
  return {
    userCode: text(body, 'user_code', url),
    deviceCode: text(body, 'device_code', url),
    verificationUrl: text(body, 'verification_url', url),
    verificationUriComplete: typeof complete === 'string' ? complete : undefined,
    intervalMs: positive(body, 'interval', url),
    expiresAt: now + positive(body, 'expires_in', url),
    accountsServer,
  };
}

/** What one poll answered. */
export type DevicePollOutcome =
  | { outcome: 'tokens'; body: Record<string, unknown>; accountsServer: string }
  | { outcome: 'pending' }
  | { outcome: 'slow-down' }
  | { outcome: 'other-dc'; location: string };

/** `POST /oauth/v3/device/token` (grant_type=device_token) once. */
export async function pollDeviceOnce(
  http: HttpSettings,
  accountsServer: string,
  client: { clientId: string; clientSecret: string | undefined },
  deviceCode: string,
): Promise<DevicePollOutcome> {
  const url = endpoint(accountsServer, 'oauth/v3/device/token');
  try {
    const { body } = await postForm(http, url, {
      client_id: client.clientId,
      ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
      grant_type: 'device_token',
      code: deviceCode,
    });
    return { outcome: 'tokens', body, accountsServer };
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    if (error.error === 'authorization_pending') return { outcome: 'pending' };
    if (error.error === 'slow_down' && !error.throttled) return { outcome: 'slow-down' };
    const location = (error.body as Record<string, unknown> | undefined)?.['user_location'];
    if (error.error === 'other_dc' && typeof location === 'string')
      return { outcome: 'other-dc', location };
    throw error;
  }
}
