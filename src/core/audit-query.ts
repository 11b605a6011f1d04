/**
 * Reading audit events (SPEC R15.3): the `since` of `tollgate audit --since 1h` and of the admin
 * API, and the event types a filter may name. One parser for both, so they accept the same text.
 */
import type { AuditEvent, AuditEventType } from '../store/types.ts';

/** Every audit event type, in a stable order. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
  'sign_in',
  'consent',
  'client_created',
  'client_rotated',
  'client_deleted',
  'token_revoked',
  'app_removed',
  'admin_key_used',
];

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest look-back a duration may name (ten years); more is a typo. */
const MAX_LOOKBACK_MS = 3_650 * UNIT_MS.d!;

/**
 * A time to list from: a duration back from now (`30m`, `1h`, `7d`) or an ISO 8601 date
 * (`2026-12-01T00:00:00Z`). Returns undefined for anything else.
 */
export function parseSince(text: string, now: number): number | undefined {
  const duration = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (duration) {
    const ms = Number(duration[1]) * (UNIT_MS[duration[2] as string] as number);
    return ms <= MAX_LOOKBACK_MS ? now - ms : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return undefined;
  const at = Date.parse(text.trim());
  return Number.isFinite(at) ? at : undefined;
}

/** Comma-separated event types, or undefined when one is not a known type. */
export function parseAuditTypes(text: string): AuditEventType[] | undefined {
  const names = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return names.every((n) => (AUDIT_EVENT_TYPES as readonly string[]).includes(n))
    ? (names as AuditEventType[])
    : undefined;
}

/** One audit event as the CLI's `--json` and the admin API show it (snake case, ISO time). */
export function auditEventJson(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    at: new Date(event.at).toISOString(),
    type: event.type,
    outcome: event.outcome,
    zuid: event.zuid,
    client_id: event.clientId,
    actor: event.actor,
    ip: event.ip,
    detail: event.detail,
  };
}
