/**
 * `tollgate audit --since 1h [--type sign_in,consent] [--zuid N] [--limit N] [--json]`: audit
 * events newest first (SPEC R15.3), as a table or as JSON. A bad --since is a usage error
 * (exit 2).
 */
import type { Command } from 'commander';
import { auditEventJson, parseAuditTypes, parseSince } from '../../core/audit-query.ts';
import { systemClock } from '../../core/clock.ts';
import type { AuditEvent, AuditQuery } from '../../store/types.ts';
import { addDbOption, output, withStore } from '../options.ts';
import { UsageError } from '../usage-error.ts';

interface AuditOptions {
  db?: string;
  since?: string;
  type?: string;
  zuid?: string;
  limit?: string;
  json?: boolean;
}

function queryFrom(opts: AuditOptions, now: number): AuditQuery {
  const query: AuditQuery = { limit: 100 };
  if (opts.since !== undefined) {
    const since = parseSince(opts.since, now);
    if (since === undefined)
      throw new UsageError(
        `audit: --since takes a duration (30m, 1h, 7d) or an ISO 8601 date, not '${opts.since}'`,
      );
    query.since = since;
  }
  if (opts.type !== undefined) {
    const types = parseAuditTypes(opts.type);
    if (types === undefined) throw new UsageError(`audit: unknown --type '${opts.type}'`);
    query.types = types;
  }
  if (opts.zuid !== undefined) {
    if (!/^\d{1,15}$/.test(opts.zuid)) throw new UsageError('audit: --zuid takes a user id');
    query.zuid = Number(opts.zuid);
  }
  if (opts.limit !== undefined) {
    const n = /^\d{1,4}$/.test(opts.limit) ? Number(opts.limit) : 0;
    if (n < 1 || n > 1_000) throw new UsageError('audit: --limit takes 1 to 1000');
    query.limit = n;
  }
  return query;
}

/** A plain table: one event a line, columns padded to their widest value. */
function table(events: AuditEvent[]): string {
  if (events.length === 0) return '(no audit events)';
  const header = ['at', 'type', 'outcome', 'zuid', 'client_id', 'actor', 'ip', 'detail'];
  const rows = events.map((e) => [
    new Date(e.at).toISOString(),
    e.type,
    e.outcome,
    e.zuid === null ? '-' : String(e.zuid),
    e.clientId ?? '-',
    e.actor ?? '-',
    e.ip ?? '-',
    Object.entries(e.detail)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function register(program: Command): void {
  addDbOption(
    program
      .command('audit')
      .description(
        'List audit events newest first: sign-ins, consents, client changes, revocations, admin-key use.',
      )
      .option('--since <when>', 'Only events since a duration ago (30m, 1h, 7d) or an ISO date')
      .option('--type <types>', 'Only these event types, comma-separated (e.g. sign_in,consent)')
      .option('--zuid <id>', 'Only events about this person')
      .option('--limit <n>', 'At most this many events (default 100, at most 1000)')
      .option('--json', 'Print JSON'),
  ).action(async (opts: AuditOptions) => {
    const query = queryFrom(opts, systemClock.now());
    await withStore(opts, async (store) => {
      const events = await store.listAuditEvents(query);
      output(opts.json, events.map(auditEventJson), table(events));
    });
  });
}
