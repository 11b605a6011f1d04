/**
 * Query parameters of the SalesIQ-style API: paging with `index` (from 1) and `limit` (1-99,
 * default 20) as SalesIQ pages, and the conversation filters. Anything else is `invalid_input`.
 */
import {
  CONVERSATION_STATUSES,
  type ConversationFilter,
  type ConversationStatus,
  type PageRequest,
} from '../store/salesiq-types.ts';
import { invalidInput } from './errors.ts';

/** Page size when `limit` is not given. */
export const DEFAULT_LIMIT = 20;
/** SalesIQ's largest page. */
export const MAX_LIMIT = 99;
/** Deep pages cost a long scan; nobody pages this far through a demo. */
export const MAX_INDEX = 10_000;

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidInput(`${name} must be given once.`);
  return value;
}

function integer(
  query: Query,
  name: string,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  const raw = single(query, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,16}$/.test(raw)) throw invalidInput(`${name} must be a whole number.`);
  const n = Number(raw);
  if (n < min || n > max) throw invalidInput(`${name} must be between ${min} and ${max}.`);
  return n;
}

/** `index` and `limit`. */
export function parsePage(query: Query): PageRequest {
  return {
    index: integer(query, 'index', 1, MAX_INDEX, 1) ?? 1,
    limit: integer(query, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT) ?? DEFAULT_LIMIT,
  };
}

/** Paging plus `status` and `from_time`/`to_time` (Unix milliseconds, inclusive). */
export function parseConversationFilter(query: Query): ConversationFilter {
  const filter: ConversationFilter = parsePage(query);
  const status = single(query, 'status');
  if (status !== undefined) {
    const wanted = status.toLowerCase();
    if (!(CONVERSATION_STATUSES as readonly string[]).includes(wanted)) {
      throw invalidInput(`status must be one of ${CONVERSATION_STATUSES.join(', ')}.`);
    }
    filter.status = wanted as ConversationStatus;
  }
  const fromTime = integer(query, 'from_time', 0, Number.MAX_SAFE_INTEGER);
  const toTime = integer(query, 'to_time', 0, Number.MAX_SAFE_INTEGER);
  if (fromTime !== undefined) filter.fromTime = fromTime;
  if (toTime !== undefined) filter.toTime = toTime;
  if (fromTime !== undefined && toTime !== undefined && fromTime > toTime)
    throw invalidInput('from_time must not be after to_time.');
  return filter;
}

/** A numeric id in a path; anything else is an unknown id. */
export function parseId(raw: string): number | undefined {
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}
