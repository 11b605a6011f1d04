/** Audit events (SPEC R15.3): what is recorded and how it is read. */

/** What an audit event records. */
export type AuditEventType =
  | 'sign_in'
  | 'consent'
  | 'client_created'
  | 'client_rotated'
  | 'client_deleted'
  | 'token_revoked'
  | 'app_removed'
  | 'admin_key_used';

/** One security-relevant event; never a secret or a token, only ids and hashes. */
export interface AuditEventInput {
  at: number;
  type: AuditEventType;
  outcome: 'success' | 'failure';
  /** The person the event is about, when known. */
  zuid: number | null;
  clientId: string | null;
  /** Who did it: `user:<zuid>`, `admin-key:<id>`, `client:<client_id>`, `token-holder`, `anonymous`. */
  actor: string | null;
  ip: string | null;
  /** Small facts about the event (a reason, a route, a hashed email). */
  detail: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditEvent extends AuditEventInput {
  id: number;
}

/** Which events to list, newest first. */
export interface AuditQuery {
  /** Only events at or after this time. */
  since?: number;
  /** Only events about this person. */
  zuid?: number;
  types?: readonly AuditEventType[];
  limit: number;
}

export interface AuditStore {
  recordAuditEvent(event: AuditEventInput): Promise<void>;
  /** Newest first, one indexed query (by time, or by person and time); at most 1,000. */
  listAuditEvents(query: AuditQuery): Promise<AuditEvent[]>;
}
