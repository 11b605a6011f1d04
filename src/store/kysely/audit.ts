/**
 * Audit events (SPEC R15.3): one row per security-relevant event, read newest first by time or
 * by person (indexes `audit_events_at` and `audit_events_user` of migration 007). The janitor
 * deletes rows older than the retention period.
 */
import type { AuditEvent, AuditEventType, AuditStore } from '../types.ts';
import type { SectionContext } from './context.ts';

/** At most this many events are read at once. */
export const AUDIT_PAGE_MAX = 1_000;

function parseDetail(text: string): Record<string, string | number | boolean> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, string | number | boolean>)
      : {};
  } catch {
    return {};
  }
}

/** The audit section of the Kysely store. */
export function createAuditStore({ db }: SectionContext): AuditStore {
  return {
    async recordAuditEvent(event): Promise<void> {
      await db
        .insertInto('audit_events')
        .values({
          at: event.at,
          type: event.type,
          outcome: event.outcome,
          zuid: event.zuid,
          client_id: event.clientId,
          actor: event.actor,
          ip: event.ip,
          detail: JSON.stringify(event.detail),
        })
        .execute();
    },

    async listAuditEvents(query): Promise<AuditEvent[]> {
      let q = db.selectFrom('audit_events').selectAll();
      if (query.since !== undefined) q = q.where('at', '>=', query.since);
      if (query.zuid !== undefined) q = q.where('zuid', '=', query.zuid);
      if (query.types !== undefined && query.types.length > 0)
        q = q.where('type', 'in', [...query.types]);
      const limit = Math.max(1, Math.min(AUDIT_PAGE_MAX, Math.floor(query.limit)));
      const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map((row) => ({
        id: Number(row.id),
        at: Number(row.at),
        type: row.type as AuditEventType,
        outcome: row.outcome === 'success' ? 'success' : 'failure',
        zuid: row.zuid === null ? null : Number(row.zuid),
        clientId: row.client_id,
        actor: row.actor,
        ip: row.ip,
        detail: parseDetail(row.detail),
      }));
    },
  };
}
