/** What a protected API said about the token it was sent. */
export interface ApiRejection {
  /** The API refused the token as invalid or expired: refreshing may help. */
  readonly tokenRejected: boolean;
  /** The error, when the API answered with one (`invalid_token`, `insufficient_scope`, a Zoho code). */
  readonly error?: string | undefined;
  readonly description?: string | undefined;
  readonly body?: unknown;
}

/**
 * Reads a protected API's refusal, whatever the dialect, without consuming the response:
 * RFC 6750 (`401`/`403` with `WWW-Authenticate: Bearer error="invalid_token"`) or Zoho's HTTP
 * 200 `{"error":{"code":...,"message":...}}` (SPEC R0).
 *
 * @see RFC 6750 §3.1
 */
export async function readApiRejection(response: Response): Promise<ApiRejection> {
  const challenge = readBearerChallenge(response.headers.get('www-authenticate'));
  const body = await peekJson(response);
  const zoho = readZohoError(body);
  const error = challenge.error ?? zoho?.code;
  const description = challenge.description ?? zoho?.message;
  if (response.status === 401) {
    return { tokenRejected: true, error: error ?? 'invalid_token', description, body };
  }
  if (error === undefined) {
    return response.status === 403
      ? { tokenRejected: false, error: 'insufficient_scope', body }
      : { tokenRejected: false };
  }
  const tokenRejected =
    challenge.error === 'invalid_token' ||
    (zoho !== undefined &&
      (TOKEN_ERROR_CODES.has(zoho.code.toUpperCase()) ||
        TOKEN_ERROR_MESSAGE.test(zoho.message ?? '')));
  return { tokenRejected, error, description, body };
}

/**
 * Codes meaning "this token is no good" in Zoho-style error objects: Tollgate's `1003`, and
 * the names Zoho's own APIs use (`INVALID_TOKEN` in CRM, `INVALID_OAUTHTOKEN` elsewhere).
 */
const TOKEN_ERROR_CODES = new Set([
  '1003',
  'INVALID_TOKEN',
  'INVALID_OAUTHTOKEN',
  'OAUTH_TOKEN_EXPIRED',
  'INVALID_OAUTH',
]);
const TOKEN_ERROR_MESSAGE =
  /invalid[_ ]?(oauth)?[_ ]?token|\btoken\b.*\b(invalid|expired|revoked|malformed)\b/i;

function readBearerChallenge(header: string | null): { error?: string; description?: string } {
  if (header === null) return {};
  const error = /error="([^"]*)"/.exec(header)?.[1];
  const description = /error_description="([^"]*)"/.exec(header)?.[1];
  return {
    ...(error === undefined ? {} : { error }),
    ...(description === undefined ? {} : { description }),
  };
}

async function peekJson(response: Response): Promise<unknown> {
  if (!/json/i.test(response.headers.get('content-type') ?? '')) return undefined;
  try {
    return await response.clone().json();
  } catch {
    return undefined;
  }
}

function readZohoError(body: unknown): { code: string; message?: string } | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const error = (body as Record<string, unknown>)['error'];
  if (error === null || typeof error !== 'object') return undefined;
  const { code, message } = error as Record<string, unknown>;
  if (typeof code !== 'string' && typeof code !== 'number') return undefined;
  return { code: String(code), ...(typeof message === 'string' ? { message } : {}) };
}
