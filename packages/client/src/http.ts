import { OAuthError, TollgateClientError } from './errors.ts';
import type { RequestSummary } from './errors.ts';

/** How the SDK talks HTTP; every request goes through {@link sendRequest}. */
export interface HttpSettings {
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMs: number;
  readonly throttle: ThrottleSettings;
  readonly sleep: (ms: number) => Promise<void>;
}

/** How long the SDK waits for a throttled server before giving up. */
export interface ThrottleSettings {
  /** Retries after a throttled answer (default 2). */
  readonly maxRetries: number;
  /** First wait when the server gives no `Retry-After`; doubles on each retry (default 2000). */
  readonly baseDelayMs: number;
  /** Never waits longer than this in total for one call (default 15000). */
  readonly maxWaitMs: number;
}

/**
 * Sends a request, turning network failures and timeouts into {@link TollgateClientError}.
 */
export async function sendRequest(
  http: HttpSettings,
  url: string,
  init: RequestInit,
): Promise<Response> {
  const method = init.method ?? 'GET';
  const signal = init.signal
    ? AbortSignal.any([init.signal, AbortSignal.timeout(http.timeoutMs)])
    : AbortSignal.timeout(http.timeoutMs);
  try {
    return await http.fetch(url, { ...init, signal, redirect: init.redirect ?? 'manual' });
  } catch (cause) {
    if (cause instanceof Error && cause.name === 'TimeoutError') {
      throw new TollgateClientError(
        'timeout',
        `${method} ${url} timed out after ${http.timeoutMs} ms.`,
        {
          hint: 'The server did not answer in time; retry later or raise timeoutMs.',
          cause,
        },
      );
    }
    throw new TollgateClientError('network_error', `${method} ${url} failed: ${describe(cause)}.`, {
      hint: 'Check that the server is up and reachable from here (DNS, proxy, firewall).',
      cause,
    });
  }
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
  return `${cause.message}${inner}`;
}

/**
 * Reads a JSON object body; an HTML page, an empty or a non-object body becomes a
 * {@link TollgateClientError} quoting the start of what came back.
 */
export async function readJsonObject(
  response: Response,
  request: RequestSummary,
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    throw new TollgateClientError('network_error', `Reading the answer of ${request.url} failed.`, {
      hint: 'The connection broke mid-answer; retry.',
      cause,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const excerpt = text.slice(0, 120).replace(/\s+/g, ' ');
    throw new TollgateClientError(
      'invalid_response',
      `${request.method} ${request.url} answered HTTP ${response.status} with something that is not a JSON object: ${JSON.stringify(excerpt)}.`,
      {
        hint:
          'Check the URL: an HTML page usually means a proxy, a login wall or the wrong host ' +
          '(accountsUrl must be the accounts server origin, e.g. https://accounts.zoho.com).',
      },
    );
  }
  return parsed as Record<string, unknown>;
}

/** Zoho's throttle answer (HTTP 200): `{"error":"Access Denied","error_description":"You have made too many requests continuously. ..."}`. */
function isZohoThrottle(body: Readonly<Record<string, unknown>>): boolean {
  const description = body['error_description'];
  return (
    body['error'] === 'Access Denied' &&
    typeof description === 'string' &&
    /too many requests/i.test(description)
  );
}

/** Reads `Retry-After` as seconds (delta-seconds or an HTTP date). */
export function readRetryAfterSeconds(response: Response, now = Date.now()): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Finds an OAuth error in an answer, whatever the dialect: Zoho's HTTP 200 `{"error": "..."}`
 * (a string; resource APIs use an object there, which is not an OAuth error), RFC 6749 §5.2
 * 4xx answers, and throttling (Zoho's body or HTTP 429).
 *
 * @see RFC 6749 §5.2
 * @see RFC 6585 §4
 */
export function findOAuthError(
  response: Response,
  body: Readonly<Record<string, unknown>> | undefined,
  request: RequestSummary,
): OAuthError | undefined {
  const error = body?.['error'];
  const description = body?.['error_description'];
  const common = {
    status: response.status,
    body,
    request,
    description: typeof description === 'string' ? description : undefined,
  };
  if (response.status === 429 || (body !== undefined && isZohoThrottle(body))) {
    return new OAuthError({
      ...common,
      error: typeof error === 'string' ? error : 'too_many_requests',
      throttled: true,
      retryAfterSeconds: readRetryAfterSeconds(response),
    });
  }
  if (typeof error === 'string' && error !== '') return new OAuthError({ ...common, error });
  return undefined;
}

/**
 * POSTs a form to an OAuth endpoint and returns the JSON answer, throwing {@link OAuthError}
 * for error answers. A throttled answer is retried after `Retry-After` (or a doubling delay
 * when the server gives none) within {@link ThrottleSettings}: never more than `maxRetries`
 * times, never longer than `maxWaitMs` in total.
 */
export async function postForm(
  http: HttpSettings,
  url: string,
  params: Readonly<Record<string, string>>,
): Promise<{ body: Record<string, unknown>; response: Response }> {
  const request: RequestSummary = { method: 'POST', url };
  let waited = 0;
  for (let attempt = 0; ; attempt++) {
    const response = await sendRequest(http, url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(params).toString(),
    });
    const body =
      response.status === 429
        ? await readJsonObject(response, request).catch(() => undefined)
        : await readJsonObject(response, request);
    const error = findOAuthError(response, body, request);
    if (error === undefined) {
      if (!response.ok) {
        throw new TollgateClientError(
          'invalid_response',
          `${url} answered HTTP ${response.status} without an OAuth error.`,
          { hint: 'Check that the URL is an OAuth endpoint.' },
        );
      }
      return { body: body ?? {}, response };
    }
    if (!error.throttled || attempt >= http.throttle.maxRetries) throw error;
    const delay =
      error.retryAfterSeconds !== undefined
        ? error.retryAfterSeconds * 1000
        : http.throttle.baseDelayMs * 2 ** attempt;
    if (waited + delay > http.throttle.maxWaitMs) throw error;
    waited += delay;
    await http.sleep(delay);
  }
}
