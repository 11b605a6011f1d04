/**
 * Store types for what a person's use of Tollgate leaves behind: consents, sign-in sessions,
 * throttle counters, and the janitor that sweeps what expired.
 */
import type { Client } from './accounts.ts';

export interface Consent {
  zuid: number;
  clientId: string;
  scopes: string[];
  grantedAt: number;
  updatedAt: number;
}

export interface ConnectedApp {
  client: Client;
  scopes: string[];
  grantedAt: number;
  lastUsedAt: number | null;
  liveRefreshTokens: number;
}

export interface Session {
  zuid: number;
  expiresAt: number;
  createdAt: number;
}

export interface CounterResult {
  count: number;
  /** When the current window ends. */
  resetAt: number;
}

export interface ConsentStore {
  findConsent(zuid: number, clientId: string): Promise<Consent | undefined>;
  /** Adds scopes to the user's grant to the client; returns whether this is the first consent. */
  recordConsent(
    zuid: number,
    clientId: string,
    scopes: string[],
    now: number,
  ): Promise<{ first: boolean }>;
  /**
   * Notes that the user's grant to the client was just used (code exchange, refresh, token use),
   * unless a use at or after `now` is already recorded. One conditional update; callers keep it
   * coarse (see `ServerContext.recordUse`).
   */
  recordGrantUse(zuid: number, clientId: string, now: number): Promise<void>;
  listConnectedApps(zuid: number): Promise<ConnectedApp[]>;
  /** Revokes every token of the user for the client and forgets the consent. */
  removeConnectedApp(zuid: number, clientId: string): Promise<boolean>;
}

export interface SessionStore {
  createSession(idHash: string, session: Session): Promise<void>;
  findSession(idHash: string, now: number): Promise<Session | undefined>;
  deleteSession(idHash: string): Promise<void>;
}

export interface CounterStore {
  /**
   * Adds one to a fixed-window counter in one conditional statement and returns the new count.
   * Used by every throttle, so limits hold across instances sharing a database (SPEC R5.6).
   */
  hitCounter(key: string, windowMs: number, now: number): Promise<CounterResult>;
  peekCounter(key: string, now: number): Promise<CounterResult>;
  /**
   * Takes back one hit of a live window (never below zero), in one statement: a throttle that
   * counts an attempt before knowing its outcome gives the count back when it succeeded.
   */
  releaseCounter(key: string, now: number): Promise<void>;
  resetCounter(key: string): Promise<void>;
}

/** The tables the janitor sweeps (SPEC R15.1). */
export type SweptTable =
  | 'auth_codes'
  | 'access_tokens'
  | 'sessions'
  | 'counters'
  | 'device_codes'
  | 'dpop_proofs'
  | 'pushed_requests'
  | 'audit_events';

/** What one janitor pass did; `busy` means another instance holds the janitor lock. */
export type SweepResult =
  { outcome: 'swept'; deleted: Record<SweptTable, number> } | { outcome: 'busy' };

export interface JanitorStore {
  /**
   * Deletes codes and device codes long expired (kept an hour past expiry for replay detection
   * and the device's `expired` answer), expired access tokens and sessions, throttle counters
   * whose window has ended and DPoP proofs past their window, in batches of at most
   * `batchSize` (<= 1,000) rows a statement. One instance at a time (SPEC R15.1).
   */
  sweepExpired(now: number, batchSize?: number, auditRetentionMs?: number): Promise<SweepResult>;
}
