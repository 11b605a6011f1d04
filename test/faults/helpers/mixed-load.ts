/**
 * Mixed load for fault tests and the soak: every grant (authorization code, refresh token,
 * client credentials), user info and revocation, sent at a fixed rate against a server whose
 * URL may change (restarts). A ledger remembers what the server acknowledged: each token it
 * answered 200 with, and each revocation it answered 200 to. After a fault, `verifyLedger` checks
 * that every acknowledged token is still valid and every acknowledged revocation still holds.
 *
 * Ambiguous outcomes are never guessed: a revocation without a clear answer makes its token
 * "uncertain" (excluded from the checks), a code whose exchange had no clear answer is dropped
 * (reusing it would be a replay, SPEC R4.4), and tokens in use by one request are not picked by
 * another, so concurrent revocations cannot make a correct answer look wrong.
 */
import { REDIRECT_URI, SCOPE, type Seed } from './seed.ts';

/**
 * HTTP status, or 0 for a network error after connecting (the request may have been handled),
 * -1 for no answer within the client's timeout, -2 for a refused connection (never handled).
 */
export type Status = number;

export interface CallResult {
  status: Status;
  ms: number;
  body: Record<string, unknown>;
  headers: Headers | null;
}

export type Op =
  | 'client_credentials'
  | 'authorization_code'
  | 'refresh_token'
  | 'userinfo'
  | 'revoke_access'
  | 'revoke_refresh';

export interface Sample {
  at: number;
  op: Op;
  status: Status;
  ms: number;
  retryAfter: string | null;
}

/** One HTTP request with a hard client-side timeout. */
export async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  options: {
    form?: Record<string, string>;
    headers?: Record<string, string>;
    timeoutMs?: number;
  } = {},
): Promise<CallResult> {
  const started = performance.now();
  try {
    const res = await fetch(new URL(path, base), {
      method,
      headers: {
        ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...options.headers,
      },
      body: options.form ? new URLSearchParams(options.form).toString() : undefined,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { raw: text.slice(0, 200) };
    }
    return { status: res.status, ms: performance.now() - started, body, headers: res.headers };
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string } };
    return {
      status: e.name === 'TimeoutError' ? -1 : e.cause?.code === 'ECONNREFUSED' ? -2 : 0,
      ms: performance.now() - started,
      body: {},
      headers: null,
    };
  }
}

interface RefreshEntry {
  mints: number;
  children: Set<string>;
}

/** What the server acknowledged, and what it revoked. */
export class Ledger {
  readonly liveAccess = new Map<string, string | null>();
  readonly liveRefresh = new Map<string, RefreshEntry>();
  readonly revokedAccess = new Set<string>();
  readonly revokedRefresh = new Set<string>();
  readonly uncertain = new Set<string>();
  private readonly busy = new Set<string>();

  constructor(readonly codes: string[]) {}

  /** A token free to use, marked busy until `release`. */
  take(
    kind: 'access' | 'refresh',
    filter: (token: string) => boolean = () => true,
  ): string | undefined {
    const pool = kind === 'access' ? [...this.liveAccess.keys()] : [...this.liveRefresh.keys()];
    for (let tries = 0; tries < 8 && pool.length > 0; tries++) {
      const token = pool[Math.floor(Math.random() * pool.length)];
      if (token === undefined || this.busy.has(token) || !filter(token)) continue;
      const parent = kind === 'access' ? this.liveAccess.get(token) : null;
      if (parent && this.busy.has(parent)) continue;
      if (
        kind === 'refresh' &&
        [...(this.liveRefresh.get(token)?.children ?? [])].some((c) => this.busy.has(c))
      )
        continue;
      this.busy.add(token);
      return token;
    }
    return undefined;
  }

  release(token: string): void {
    this.busy.delete(token);
  }

  addAccess(token: string, parent: string | null): void {
    this.liveAccess.set(token, parent);
    if (parent) this.liveRefresh.get(parent)?.children.add(token);
  }

  addRefresh(token: string): void {
    this.liveRefresh.set(token, { mints: 1, children: new Set() });
  }

  revoked(token: string, kind: 'access' | 'refresh', certain: boolean): void {
    const children = kind === 'refresh' ? [...(this.liveRefresh.get(token)?.children ?? [])] : [];
    for (const t of [token, ...children]) {
      const isRefresh = t === token && kind === 'refresh';
      if (isRefresh) this.liveRefresh.delete(t);
      else this.liveAccess.delete(t);
      if (!certain) this.uncertain.add(t);
      else if (isRefresh) this.revokedRefresh.add(t);
      else this.revokedAccess.add(t);
    }
  }

  mints(token: string): number {
    return this.liveRefresh.get(token)?.mints ?? 0;
  }

  countMint(token: string): void {
    const entry = this.liveRefresh.get(token);
    if (entry) entry.mints++;
  }
}

/** Each operation's share of the load. */
const WEIGHTS: [Op, number][] = [
  ['client_credentials', 20],
  ['authorization_code', 8],
  ['refresh_token', 15],
  ['userinfo', 42],
  ['revoke_access', 10],
  ['revoke_refresh', 5],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);

function pickOp(): Op {
  let r = Math.random() * TOTAL_WEIGHT;
  for (const [op, w] of WEIGHTS) {
    r -= w;
    if (r < 0) return op;
  }
  return 'userinfo';
}

/** Fewer mints than the 20-access-tokens-per-refresh-token cap (SPEC R5.3), so none is evicted. */
const MAX_MINTS = 15;

/** Runs one operation, updating the ledger from the answer. */
async function runOp(
  op: Op,
  base: string,
  seed: Seed,
  ledger: Ledger,
  timeoutMs: number,
): Promise<Sample | undefined> {
  const at = Date.now();
  const sample = (r: CallResult): Sample => ({
    at,
    op,
    status: r.status,
    ms: r.ms,
    retryAfter: r.headers?.get('retry-after') ?? null,
  });
  const server = { client_id: seed.server.clientId, client_secret: seed.server.clientSecret };
  switch (op) {
    case 'client_credentials': {
      const r = await call(base, 'POST', '/oauth/v2/token', {
        timeoutMs,
        form: {
          grant_type: 'client_credentials',
          soid: 'ZohoSalesIQ.600123434',
          scope: SCOPE,
          client_id: seed.self.clientId,
          client_secret: seed.self.clientSecret,
        },
      });
      if (r.status === 200 && typeof r.body.access_token === 'string')
        ledger.addAccess(r.body.access_token, null);
      return sample(r);
    }
    case 'authorization_code': {
      const code = ledger.codes.pop();
      if (!code) return runOp('client_credentials', base, seed, ledger, timeoutMs);
      const r = await call(base, 'POST', '/oauth/v2/token', {
        timeoutMs,
        form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...server },
      });
      if (
        r.status === 200 &&
        typeof r.body.access_token === 'string' &&
        typeof r.body.refresh_token === 'string'
      ) {
        ledger.addRefresh(r.body.refresh_token);
        ledger.addAccess(r.body.access_token, r.body.refresh_token);
      } else if (r.status === -2) {
        ledger.codes.push(code);
      }
      return sample(r);
    }
    case 'refresh_token': {
      const token = ledger.take('refresh', (t) => ledger.mints(t) < MAX_MINTS);
      if (!token) return runOp('authorization_code', base, seed, ledger, timeoutMs);
      try {
        const r = await call(base, 'POST', '/oauth/v2/token', {
          timeoutMs,
          form: { grant_type: 'refresh_token', refresh_token: token, ...server },
        });
        if (r.status !== -2) ledger.countMint(token);
        if (r.status === 200 && typeof r.body.access_token === 'string')
          ledger.addAccess(r.body.access_token, token);
        return sample(r);
      } finally {
        ledger.release(token);
      }
    }
    case 'userinfo': {
      const token = ledger.take('access');
      if (!token) return runOp('client_credentials', base, seed, ledger, timeoutMs);
      try {
        return sample(
          await call(base, 'GET', '/oauth/user/info', {
            timeoutMs,
            headers: { authorization: `Zoho-oauthtoken ${token}` },
          }),
        );
      } finally {
        ledger.release(token);
      }
    }
    case 'revoke_access':
    case 'revoke_refresh': {
      const kind = op === 'revoke_access' ? 'access' : 'refresh';
      const token = ledger.take(kind);
      if (!token) return runOp('userinfo', base, seed, ledger, timeoutMs);
      try {
        const r = await call(
          base,
          'POST',
          `/oauth/v2/token/revoke?token=${encodeURIComponent(token)}`,
          { timeoutMs },
        );
        // 200 is a revocation; anything but a clear refusal (400) may or may not have happened.
        if (r.status !== 400 && r.status !== -2) ledger.revoked(token, kind, r.status === 200);
        return sample(r);
      } finally {
        ledger.release(token);
      }
    }
  }
}

export interface LoadOptions {
  /** The server's base URL now (it changes when a server restarts). */
  base: () => string;
  seed: Seed;
  ledger: Ledger;
  /** Requests started per second. */
  rate: number;
  /** At most this many requests in flight; beyond it a tick's requests are counted as shed. */
  maxInFlight?: number;
  /** Client-side timeout per request (default 10 s). */
  timeoutMs?: number;
  onSample?: (sample: Sample) => void;
}

export interface Load {
  samples: Sample[];
  shed: number;
  /** Stops starting requests and waits for those in flight. */
  stop(): Promise<void>;
}

/** Starts fixed-rate mixed load; call `stop()` to end it. */
export function startLoad(options: LoadOptions): Load {
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const state = { shed: 0, stopped: false, due: 0 };
  const started = performance.now();
  const tick = (): void => {
    if (state.stopped) return;
    const shouldHaveStarted = Math.floor(((performance.now() - started) / 1000) * options.rate);
    while (state.due < shouldHaveStarted) {
      state.due++;
      if (inFlight.size >= (options.maxInFlight ?? 64)) {
        state.shed++;
        continue;
      }
      const p = runOp(
        pickOp(),
        options.base(),
        options.seed,
        options.ledger,
        options.timeoutMs ?? 10_000,
      ).then((s) => {
        if (s) {
          samples.push(s);
          options.onSample?.(s);
        }
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  };
  const timer = setInterval(tick, 10);
  return {
    samples,
    get shed() {
      return state.shed;
    },
    async stop() {
      state.stopped = true;
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}

export interface Verification {
  liveChecked: number;
  revokedChecked: number;
  uncertain: number;
  /** Acknowledged tokens the server no longer accepts. */
  lost: string[];
  /** Acknowledged revocations the server no longer holds. */
  resurrected: string[];
}

/** Asks the server about every token in the ledger (user info for access tokens, introspection for refresh tokens). */
export async function verifyLedger(
  base: string,
  seed: Seed,
  ledger: Ledger,
  concurrency = 16,
): Promise<Verification> {
  const server = { client_id: seed.server.clientId, client_secret: seed.server.clientSecret };
  const checks: { token: string; expectLive: boolean; kind: 'access' | 'refresh' }[] = [
    ...[...ledger.liveAccess.keys()].map((token) => ({
      token,
      expectLive: true,
      kind: 'access' as const,
    })),
    ...[...ledger.liveRefresh.keys()].map((token) => ({
      token,
      expectLive: true,
      kind: 'refresh' as const,
    })),
    ...[...ledger.revokedAccess].map((token) => ({
      token,
      expectLive: false,
      kind: 'access' as const,
    })),
    ...[...ledger.revokedRefresh].map((token) => ({
      token,
      expectLive: false,
      kind: 'refresh' as const,
    })),
  ];
  const result: Verification = {
    liveChecked: 0,
    revokedChecked: 0,
    uncertain: ledger.uncertain.size,
    lost: [],
    resurrected: [],
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let check = checks[next++]; check; check = checks[next++]) {
      let live: boolean;
      if (check.kind === 'access') {
        const r = await call(base, 'GET', '/oauth/user/info', {
          headers: { authorization: `Bearer ${check.token}` },
        });
        if (r.status !== 200 && r.status !== 401)
          throw new Error(
            `user info answered ${r.status} while verifying: ${JSON.stringify(r.body)}`,
          );
        live = r.status === 200;
      } else {
        const r = await call(base, 'POST', '/oauth/v2/introspect', {
          form: { token: check.token, token_type_hint: 'refresh_token', ...server },
        });
        if (r.status !== 200)
          throw new Error(
            `introspection answered ${r.status} while verifying: ${JSON.stringify(r.body)}`,
          );
        live = r.body.active === true;
      }
      if (check.expectLive) {
        result.liveChecked++;
        if (!live) result.lost.push(`${check.kind} ${check.token.slice(0, 12)}…`);
      } else {
        result.revokedChecked++;
        if (live) result.resurrected.push(`${check.kind} ${check.token.slice(0, 12)}…`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}

/** Counts of samples by "op status". */
export function countByStatus(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) counts[String(s.status)] = (counts[String(s.status)] ?? 0) + 1;
  return counts;
}

/** The p-th percentile (0-100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
