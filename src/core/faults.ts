/**
 * Fault rules of the emulator (SPEC R12.2): which endpoint fails, when, how, and how often. This
 * module parses and validates rules and picks the rule a request meets; the server turns the
 * chosen action into bytes (the same bytes as the real refusal, through the one error path).
 */
import { randomBytes } from 'node:crypto';

export const FAULT_ENDPOINTS = [
  'token',
  'authorize',
  'userinfo',
  'revoke',
  'introspect',
  'device',
  'api',
  '*',
] as const;
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];

export const FAULT_ACTIONS = [
  'throttle',
  'invalid_code',
  'invalid_client',
  'server_error',
  'delay',
  'drop',
  'respond',
] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/** The longest `delay_ms` accepted (a minute): longer would outlast every client's timeout. */
export const MAX_DELAY_MS = 60_000;
/** The most `times` a rule may have. */
export const MAX_TIMES = 1_000_000;

/** A rule as the control API and `tollgate/testing` take it (JSON names). */
export interface FaultInput {
  endpoint: FaultEndpoint;
  when?: { grant_type?: string; client_id?: string };
  action: FaultAction;
  status?: number;
  body?: unknown;
  delay_ms?: number;
  times?: number;
  probability?: number;
}

/** A rule in force: its id and what is left of `times`. */
export interface FaultRule extends FaultInput {
  id: string;
  times: number;
}

/** A bad rule: `field` names the first wrong field (the control API answers 400 with it). */
export class FaultInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

const oneOf = (list: readonly string[]): string => list.map((v) => `"${v}"`).join(', ');

function checkString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200)
    throw new FaultInputError(
      field,
      `${field} must be a non-empty string of at most 200 characters.`,
    );
  return value;
}

function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new FaultInputError(field, `${field} must be a whole number from ${min} to ${max}.`);
  return value;
}

const KNOWN = new Set([
  'endpoint',
  'when',
  'action',
  'status',
  'body',
  'delay_ms',
  'times',
  'probability',
]);

/**
 * Checks a rule from the wire.
 * @throws FaultInputError naming the field.
 */
export function parseFaultInput(raw: unknown): FaultInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new FaultInputError('body', 'The body must be a JSON object describing one fault.');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!KNOWN.has(key)) throw new FaultInputError(key, `Unknown field ${key}.`);
  if (!FAULT_ENDPOINTS.includes(o.endpoint as FaultEndpoint))
    throw new FaultInputError('endpoint', `endpoint must be one of ${oneOf(FAULT_ENDPOINTS)}.`);
  if (!FAULT_ACTIONS.includes(o.action as FaultAction))
    throw new FaultInputError('action', `action must be one of ${oneOf(FAULT_ACTIONS)}.`);
  const rule: FaultInput = {
    endpoint: o.endpoint as FaultEndpoint,
    action: o.action as FaultAction,
  };
  if (o.when !== undefined) {
    if (typeof o.when !== 'object' || o.when === null || Array.isArray(o.when))
      throw new FaultInputError('when', 'when must be an object with grant_type and/or client_id.');
    const when = o.when as Record<string, unknown>;
    rule.when = {};
    for (const key of Object.keys(when)) {
      if (key !== 'grant_type' && key !== 'client_id')
        throw new FaultInputError(`when.${key}`, `Unknown field when.${key}.`);
      rule.when[key] = checkString(when[key], `when.${key}`);
    }
  }
  if (o.status !== undefined) rule.status = checkInteger(o.status, 'status', 100, 599);
  if (o.delay_ms !== undefined)
    rule.delay_ms = checkInteger(o.delay_ms, 'delay_ms', 0, MAX_DELAY_MS);
  if (o.times !== undefined) rule.times = checkInteger(o.times, 'times', 1, MAX_TIMES);
  if (o.probability !== undefined) {
    const p = o.probability;
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1)
      throw new FaultInputError('probability', 'probability must be a number from 0 to 1.');
    rule.probability = p;
  }
  if (o.body !== undefined) {
    if (rule.action !== 'respond')
      throw new FaultInputError('body', 'body is only for action "respond".');
    rule.body = o.body;
  }
  if (rule.action === 'respond' && rule.status === undefined)
    throw new FaultInputError('status', 'action "respond" needs a status.');
  if (rule.status !== undefined && rule.action !== 'respond')
    throw new FaultInputError('status', 'status is only for action "respond".');
  if (rule.action === 'delay' && rule.delay_ms === undefined)
    throw new FaultInputError('delay_ms', 'action "delay" needs delay_ms.');
  if (rule.delay_ms !== undefined && rule.action !== 'delay')
    throw new FaultInputError('delay_ms', 'delay_ms is only for action "delay".');
  return rule;
}

/** What a request looks like to the rules. */
export interface FaultSubject {
  endpoint: Exclude<FaultEndpoint, '*'>;
  grantType: string | undefined;
  clientId: string | undefined;
}

/** The rules in force, in the order they were added; the first that matches applies. */
export class FaultRules {
  private rules: FaultRule[] = [];
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  add(input: FaultInput): FaultRule {
    const rule: FaultRule = {
      ...input,
      id: `f_${randomBytes(6).toString('hex')}`,
      times: input.times ?? 1,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r, ...(r.when ? { when: { ...r.when } } : {}) }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  get size(): number {
    return this.rules.length;
  }

  /** Whether a rule could apply to the endpoint (so the server reads the request only then). */
  watches(endpoint: FaultSubject['endpoint']): boolean {
    return this.rules.some((r) => r.endpoint === '*' || r.endpoint === endpoint);
  }

  /** The rule this request meets, using up one of its `times`; undefined when none fires. */
  take(subject: FaultSubject): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.endpoint !== '*' && rule.endpoint !== subject.endpoint) continue;
      if (rule.when?.grant_type !== undefined && rule.when.grant_type !== subject.grantType)
        continue;
      if (rule.when?.client_id !== undefined && rule.when.client_id !== subject.clientId) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.times -= 1;
      const fired = { ...rule };
      if (rule.times <= 0) this.remove(rule.id);
      return fired;
    }
    return undefined;
  }
}
