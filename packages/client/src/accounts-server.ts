/**
 * Where a client talks to: the accounts server from `accountsUrl` or `dc`, endpoint URLs, the
 * callback's parameters, and which accounts server a code may be exchanged at.
 */
import { DATA_CENTRES, isDataCentre } from './data-centres.ts';
import type { DataCentre } from './data-centres.ts';
import { TollgateClientError } from './errors.ts';
import type { ClientOptions } from './client-types.ts';

/** The configured accounts server: exactly one of `accountsUrl` and `dc`. */
export function resolveAccountsServer(options: ClientOptions): string {
  if ((options.accountsUrl === undefined) === (options.dc === undefined)) {
    throw new TollgateClientError('invalid_options', 'Give exactly one of accountsUrl and dc.', {
      hint: 'accountsUrl for Tollgate (e.g. http://127.0.0.1:3000), dc for Zoho (us, eu, in, au, jp, ca, sa, uk, cn).',
    });
  }
  if (options.dc !== undefined) {
    if (!isDataCentre(options.dc)) {
      throw new TollgateClientError(
        'invalid_options',
        `Unknown data centre ${JSON.stringify(options.dc)}.`,
        {
          hint: `Use one of ${Object.keys(DATA_CENTRES).join(', ')}.`,
        },
      );
    }
    return accountsServerOf(options.dc.toLowerCase() as DataCentre, options.accountsUrls);
  }
  if (options.accountsUrls !== undefined) {
    throw new TollgateClientError('invalid_options', 'accountsUrls goes with dc.', {
      hint: 'Give dc (where to start) with accountsUrls, or accountsUrl alone.',
    });
  }
  return normalizeServer(options.accountsUrl ?? '');
}

/** A data centre's accounts server: the override given for it, else Zoho's. */
export function accountsServerOf(
  dc: DataCentre,
  overrides: ClientOptions['accountsUrls'] | undefined,
): string {
  const override = overrides?.[dc];
  return override === undefined ? DATA_CENTRES[dc].accountsServer : normalizeServer(override);
}

/** An accounts server URL without trailing slashes, or an `invalid_options` error. */
export function normalizeServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TollgateClientError('invalid_options', `${JSON.stringify(url)} is not a URL.`, {
      hint: 'Give the accounts server as an absolute URL, e.g. https://accounts.zoho.eu.',
      cause,
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TollgateClientError('invalid_options', `${url} is not an http(s) URL.`, {
      hint: 'Give the accounts server as an absolute URL, e.g. https://accounts.zoho.eu.',
    });
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}

/** An endpoint of an accounts server. */
export function endpoint(server: string, path: string): string {
  return `${server}/${path}`;
}

/** The query parameters of a callback URL, resolved against the redirect URI. */
export function parseCallback(
  callback: string | URL,
  redirectUri: string | undefined,
): URLSearchParams {
  try {
    return new URL(callback, redirectUri).searchParams;
  } catch (cause) {
    throw new TollgateClientError(
      'invalid_callback',
      `The callback URL ${JSON.stringify(String(callback))} is malformed.`,
      {
        hint: 'Pass the full URL the browser was redirected to, e.g. req.url with the redirect URI as base.',
        cause,
      },
    );
  }
}

/**
 * The accounts server to exchange the code at: the callback's `accounts-server` (Zoho sends
 * users of other data centres back with it), or the server of its `location`; but only one we
 * trust, since the code and the client secret go there.
 */
export function chooseAccountsServer(
  named: string | null,
  location: string | undefined,
  configured: string,
  trusted: ReadonlySet<string>,
  dc: DataCentre | undefined,
  overrides?: ClientOptions['accountsUrls'],
): string {
  let candidate: string | undefined;
  if (named !== null && named !== '') {
    try {
      candidate = normalizeServer(named);
    } catch {
      candidate = named;
    }
  } else if (dc !== undefined && location !== undefined && isDataCentre(location)) {
    candidate = accountsServerOf(location.toLowerCase() as DataCentre, overrides);
  }
  if (candidate === undefined) return configured;
  if (!trusted.has(candidate)) {
    throw new TollgateClientError(
      'untrusted_accounts_server',
      `The callback names the accounts server ${candidate}, which this client does not trust.`,
      {
        hint:
          'If it is genuine (e.g. a Tollgate issuer URL that differs from accountsUrl), add it to ' +
          'trustedAccountsServers; otherwise the callback may be forged.',
      },
    );
  }
  return candidate;
}

/** Whether a request body can be sent twice (a stream cannot). */
export function isReplayable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || !(body instanceof ReadableStream);
}
