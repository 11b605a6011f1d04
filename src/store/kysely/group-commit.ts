/**
 * Group commit for the token endpoint's write transactions (SPEC R16, issue 16): refreshes and
 * code exchanges that arrive together run in one database transaction, so one commit (one WAL
 * write on SQLite, one fsync on PostgreSQL) serves many requests.
 *
 * - Each member runs inside its own SAVEPOINT, one after another, so caps and throttles stay
 *   exact (a member sees what the members before it wrote) and a member that fails rolls back
 *   only its own work and gets only its own error.
 * - Every member is answered only after the COMMIT; a failed COMMIT (or a transaction the
 *   database ended by itself, e.g. a full disk) fails every member.
 * - A batch takes what is queued when it starts, at most `maxMembers`; what arrives while it
 *   runs forms the next one (one batch at a time per lane, below). When idle, a request waits only
 *   for the end of the current event-loop turn (`setImmediate`, not a timer), which lets the
 *   requests that arrived in the same turn join it.
 * - PostgreSQL: batches on several instances can take grant locks in different orders. The
 *   database then breaks the cycle by failing one statement (deadlock, 40P01) or a transaction
 *   (serialization failure, 40001); such a member is rolled back to its savepoint and retried
 *   alone, in a transaction of its own, after its batch.
 */
import type { HotSql, SqlRunner } from './hot-sql.ts';

/** Runs the work of one grant request: alone, or as a member of a batch. */
export interface GrantWriter {
  /**
   * Runs `work` in a transaction (maybe shared). `grant` names the user and client whose tokens
   * it writes, when known: the work of one grant always goes to the same lane (see below).
   */
  run<T>(work: (q: SqlRunner) => Promise<T>, grant?: string): Promise<T>;
  /** How many batches may run at once; 1 means the grant needs no naming. */
  readonly lanes: number;
}

/** The default most members of one batch. */
export const GROUP_COMMIT_MAX_MEMBERS = 32;

interface Member {
  work: (q: SqlRunner) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; retry: boolean };

/** PostgreSQL's answers for a transaction that lost a lock-order race: worth one more try. */
function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** A small stable hash of a grant's name, to pick its lane. */
function laneOf(grant: string | undefined, lanes: number): number {
  if (grant === undefined || lanes === 1) return 0;
  let h = 0;
  for (let i = 0; i < grant.length; i++) h = (h * 31 + grant.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}

/**
 * Without group commit every request runs in a transaction of its own. With it, as described
 * above, in `lanes` independent queues (PostgreSQL: several batches at once, on several pooled
 * connections; SQLite has one writer, so one). The work of one grant always takes the same lane,
 * so two batches of one instance never wait for each other's grant locks.
 */
export function grantWriter(
  hot: HotSql,
  options: { groupCommit: boolean; maxMembers?: number; lanes?: number },
): GrantWriter {
  if (!options.groupCommit) return { run: (work) => hot.transaction(work), lanes: 1 };
  const maxMembers = options.maxMembers ?? GROUP_COMMIT_MAX_MEMBERS;
  const lanes = Array.from({ length: Math.max(1, options.lanes ?? 1) }, () =>
    lane(hot, maxMembers),
  );
  return {
    lanes: lanes.length,
    run<T>(work: (q: SqlRunner) => Promise<T>, grant?: string): Promise<T> {
      const chosen = lanes[laneOf(grant, lanes.length)] ?? lanes[0];
      return new Promise<T>((resolve, reject) => {
        chosen?.add({ work, resolve: resolve as (value: unknown) => void, reject });
      });
    },
  };
}

/** One queue of members and the batches it runs, one at a time. */
function lane(hot: HotSql, maxMembers: number): { add(member: Member): void } {
  const queue: Member[] = [];
  let scheduled = false;
  let running = false;

  const kick = (): void => {
    if (running || scheduled || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      running = true;
      void runBatch(queue.splice(0, maxMembers)).finally(() => {
        running = false;
        kick();
      });
    });
  };

  const runAlone = (member: Member): Promise<void> =>
    hot.transaction(member.work).then(member.resolve, member.reject);

  const runBatch = async (members: Member[]): Promise<void> => {
    const [only] = members;
    if (members.length === 1 && only) return runAlone(only);
    const outcomes: Outcome[] = [];
    try {
      await hot.transaction(async (q) => {
        for (const [n, member] of members.entries()) {
          await q.savepoint(n);
          try {
            outcomes.push({ ok: true, value: await member.work(q) });
          } catch (error) {
            // If even the rollback fails, the transaction is lost (the database ended it, or
            // the connection is gone): every member fails, with this member's own error.
            await q.rollbackTo(n).catch(() => Promise.reject(error));
            outcomes.push({ ok: false, error, retry: isConflict(error) });
          }
        }
      });
    } catch (error) {
      members.forEach((member, n) => {
        const outcome = outcomes[n];
        member.reject(outcome && !outcome.ok ? outcome.error : error);
      });
      return;
    }
    members.forEach((member, n) => {
      const outcome = outcomes[n];
      if (outcome?.ok) member.resolve(outcome.value);
      else if (outcome?.retry) void runAlone(member);
      else member.reject(outcome?.error);
    });
  };

  return {
    add(member) {
      queue.push(member);
      kick();
    },
  };
}
