/**
 * Audit events (SPEC R15.3): each security-relevant event becomes a row in `audit_events` and
 * one structured log line (`"msg":"audit"`). Neither ever holds a secret, a token or a password;
 * a person is named by zuid. A failed sign-in for an email with no account keeps only a short
 * hash of the email (see docs/audit.md), so an attacker's guesses are not stored as text.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { BEST_EFFORT_WAIT_MS, waitAtMost } from '../store/best-effort.ts';
import type { AuditEventInput, AuditEventType, Store } from '../store/types.ts';

/** What an endpoint says about an event; time, address and actor are filled in here. */
export interface AuditRecord {
  type: AuditEventType;
  outcome?: 'success' | 'failure';
  zuid?: number | null;
  clientId?: string | null;
  /** Default: the signed-in person (`user:<zuid>`) when `zuid` is given. */
  actor?: string;
  detail?: Record<string, string | number | boolean>;
}

/** The first 16 hex digits of SHA-256 of the lower-cased email: enough to group, not to read. */
export function emailHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 16);
}

/** Writes audit events for one app. */
export class AuditTrail {
  private readonly store: Pick<Store, 'recordAuditEvent'>;
  private readonly now: () => number;

  constructor(store: Pick<Store, 'recordAuditEvent'>, now: () => number) {
    this.store = store;
    this.now = now;
  }

  /**
   * Records an event of a request. A failed write is logged and does not fail the request: what
   * the event describes has already happened. A write that has not finished within
   * BEST_EFFORT_WAIT_MS (a frozen database) goes on without holding the answer.
   */
  async record(
    request: FastifyRequest | null,
    record: AuditRecord,
    log?: FastifyBaseLogger,
  ): Promise<void> {
    const zuid = record.zuid ?? null;
    const event: AuditEventInput = {
      at: this.now(),
      type: record.type,
      outcome: record.outcome ?? 'success',
      zuid,
      clientId: record.clientId ?? null,
      actor: record.actor ?? (zuid === null ? null : `user:${zuid}`),
      ip: request?.ip ?? null,
      detail: record.detail ?? {},
    };
    const logger = log ?? request?.log;
    logger?.info({ audit: event }, 'audit');
    try {
      await waitAtMost(this.store.recordAuditEvent(event), BEST_EFFORT_WAIT_MS);
    } catch (error) {
      logger?.warn({ err: error, audit: { type: event.type } }, 'audit event not stored');
    }
  }
}
