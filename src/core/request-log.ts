/**
 * The emulator's request log (SPEC R12.3): the last 1,000 requests to the protocol endpoints and
 * the API, with secrets masked in what was sent and what was answered.
 */

/** How many requests the log keeps. */
export const REQUEST_LOG_SIZE = 1000;

/** Names whose values are secrets: shown as their first 8 characters and `…`. */
export const MASKED_NAMES: ReadonlySet<string> = new Set([
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'password',
  'device_code',
  'token',
]);

/** The first 8 characters of a secret, then `…`. */
export function maskSecret(value: string): string {
  return `${value.slice(0, 8)}…`;
}

/** A copy of a JSON-like value with every secret-named string masked, at any depth. */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      MASKED_NAMES.has(key) && typeof v === 'string' ? maskSecret(v) : maskSecrets(v, depth + 1);
  }
  return out;
}

/** One logged request, as `GET /_emulator/requests` shows it. */
export interface LoggedRequest {
  id: number;
  at: number;
  method: string;
  path: string;
  endpoint: string;
  client_id: string | null;
  params: Record<string, unknown>;
  status: number;
  response: unknown;
  duration_ms: number;
  fault_id: string | null;
}

export interface RequestFilter {
  endpoint?: string;
  client_id?: string;
  limit?: number;
}

/** A ring of the last {@link REQUEST_LOG_SIZE} requests; listeners hear each new one. */
export class RequestLog {
  private entries: LoggedRequest[] = [];
  private nextId = 1;
  private readonly listeners = new Set<(entry: LoggedRequest) => void>();
  readonly size: number;

  constructor(size = REQUEST_LOG_SIZE) {
    this.size = size;
  }

  /** Logs a request; the entry is kept as given (a lazy `response` getter stays lazy). */
  add(entry: Omit<LoggedRequest, 'id'>): LoggedRequest {
    const logged = Object.assign(entry, { id: this.nextId++ });
    this.entries.push(logged);
    if (this.entries.length > this.size) this.entries.splice(0, this.entries.length - this.size);
    for (const listener of this.listeners) listener(logged);
    return logged;
  }

  /** Oldest first; `limit` keeps the newest N of those that match. */
  list(filter: RequestFilter = {}): LoggedRequest[] {
    const matched = this.entries.filter(
      (e) =>
        (filter.endpoint === undefined || e.endpoint === filter.endpoint) &&
        (filter.client_id === undefined || e.client_id === filter.client_id),
    );
    return filter.limit === undefined ? matched : matched.slice(-filter.limit);
  }

  clear(): void {
    this.entries = [];
  }

  /** Calls `listener` for each request logged from now on; returns the unsubscribe function. */
  subscribe(listener: (entry: LoggedRequest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
