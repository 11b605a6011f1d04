/**
 * The janitor's sweep (SPEC R15.1): deletes what can never be used again, in bounded batches,
 * so no statement holds locks on many rows and a large backlog never becomes one huge delete.
 * On PostgreSQL a session advisory lock (per schema) lets one instance sweep at a time; the
 * others find it taken and skip their turn.
 */
import { sql, type Kysely } from 'kysely';
import type { JanitorStore, SweepResult, SweptTable } from '../types.ts';
import type { SectionContext } from './context.ts';
import type { Database } from './schema.ts';

/** How long audit events are kept unless told otherwise (SPEC R15.3): 90 days. */
export const DEFAULT_AUDIT_RETENTION_MS = 90 * 24 * 3600_000;

/** At most this many rows per statement (SPEC R15.1). */
export const JANITOR_BATCH = 1_000;

/**
 * Codes are kept this long past their expiry: a consumed code presented again must still be
 * recognised as a replay, so the tokens it issued are revoked (RFC 6749 §4.1.2).
 */
export const CODE_REPLAY_GRACE_MS = 60 * 60 * 1000;

interface Sweep {
  table: SweptTable;
  key: string;
  column: string;
  /** Rows whose `column` is at or before this time go. */
  cutoff(now: number, auditRetentionMs: number): number;
}

const SWEEPS: readonly Sweep[] = [
  {
    table: 'auth_codes',
    key: 'code_hash',
    column: 'expires_at',
    cutoff: (now) => now - CODE_REPLAY_GRACE_MS,
  },
  { table: 'access_tokens', key: 'id', column: 'expires_at', cutoff: (now) => now },
  // Kept as long as codes, so a device polling just after expiry hears `expired` (SPEC R13.2).
  {
    table: 'device_codes',
    key: 'device_code_hash',
    column: 'expires_at',
    cutoff: (now) => now - CODE_REPLAY_GRACE_MS,
  },
  { table: 'sessions', key: 'id_hash', column: 'expires_at', cutoff: (now) => now },
  { table: 'counters', key: 'key', column: 'window_end', cutoff: (now) => now },
  { table: 'dpop_proofs', key: 'proof_hash', column: 'expires_at', cutoff: (now) => now },
  // A used or expired request_uri is refused either way (RFC 9126 §4); the row only takes space.
  { table: 'pushed_requests', key: 'uri_hash', column: 'expires_at', cutoff: (now) => now },
  // Audit events older than the retention period (SPEC R15.3, --audit-retention).
  {
    table: 'audit_events',
    key: 'id',
    column: 'at',
    cutoff: (now, retention) => now - retention,
  },
];

async function sweepAll(
  db: Kysely<Database>,
  now: number,
  batch: number,
  auditRetentionMs: number,
): Promise<Record<SweptTable, number>> {
  const deleted: Record<SweptTable, number> = {
    auth_codes: 0,
    access_tokens: 0,
    sessions: 0,
    counters: 0,
    device_codes: 0,
    dpop_proofs: 0,
    pushed_requests: 0,
    audit_events: 0,
  };
  for (const sweep of SWEEPS) {
    const cutoff = sweep.cutoff(now, auditRetentionMs);
    for (;;) {
      const result =
        await sql`delete from ${sql.table(sweep.table)} where ${sql.ref(sweep.key)} in (select ${sql.ref(sweep.key)} from ${sql.table(sweep.table)} where ${sql.ref(sweep.column)} <= ${cutoff} limit ${batch})`.execute(
          db,
        );
      const count = Number(result.numAffectedRows ?? 0);
      deleted[sweep.table] += count;
      if (count < batch) break;
    }
  }
  return deleted;
}

/** The janitor section of the Kysely store. */
export function createJanitorStore({ db, sqlDialect }: SectionContext): JanitorStore {
  return {
    async sweepExpired(
      now: number,
      batchSize = JANITOR_BATCH,
      auditRetentionMs = DEFAULT_AUDIT_RETENTION_MS,
    ): Promise<SweepResult> {
      const batch = Math.max(1, Math.min(JANITOR_BATCH, Math.floor(batchSize)));
      if (sqlDialect !== 'postgres') {
        return { outcome: 'swept', deleted: await sweepAll(db, now, batch, auditRetentionMs) };
      }
      // A session lock, on one pooled connection held for the pass: it is released by the
      // unlock, or by PostgreSQL itself if this connection dies mid-pass.
      return db.connection().execute(async (conn): Promise<SweepResult> => {
        const key = sql`hashtext(current_schema() || ':tollgate_janitor')`;
        const got = await sql<{
          locked: boolean;
        }>`select pg_try_advisory_lock(${key}) as locked`.execute(conn);
        if (got.rows[0]?.locked !== true) return { outcome: 'busy' };
        try {
          return { outcome: 'swept', deleted: await sweepAll(conn, now, batch, auditRetentionMs) };
        } finally {
          await sql`select pg_advisory_unlock(${key})`.execute(conn);
        }
      });
    },
  };
}
