/**
 * Reads protocol parameters from the query string and the body (SPEC R4.1): each name once,
 * or the same value twice; anything else is invalid_request (RFC 6749 §3.2).
 */
import type { FastifyRequest } from 'fastify';
import { invalidRequest } from '../core/errors.ts';

export type Params = ReadonlyMap<string, string>;

const MAX_PARAM_LENGTH = 8192;

/** Parameters that may be repeated with different values (RFC 8707 §2: `resource`). */
export const MULTI_VALUED: ReadonlySet<string> = new Set(['resource']);

function addAll(into: Map<string, string>, source: unknown, where: string): void {
  if (source === undefined || source === null) return;
  if (typeof source !== 'object' || Array.isArray(source))
    throw invalidRequest(`The ${where} must be form fields.`);
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== 'string')
        throw invalidRequest(`Parameter ${name.slice(0, 50)} must be text.`);
      if (v.length > MAX_PARAM_LENGTH)
        throw invalidRequest(`Parameter ${name.slice(0, 50)} is too long.`);
      const seen = into.get(name);
      if (seen !== undefined && seen !== v && !MULTI_VALUED.has(name)) {
        throw invalidRequest(
          `Parameter ${name.slice(0, 50)} was sent more than once with different values.`,
        );
      }
      into.set(name, v);
    }
  }
}

/** Query string and body parameters, merged. */
export function readParams(request: FastifyRequest): Params {
  const params = new Map<string, string>();
  addAll(params, request.query, 'query string');
  addAll(params, request.body, 'request body');
  return params;
}

/** Every value of a repeatable parameter, from the query string and the body (already checked). */
export function paramValues(request: FastifyRequest, name: string): string[] {
  const out: string[] = [];
  for (const source of [request.query, request.body]) {
    if (source === null || typeof source !== 'object') continue;
    const value = (source as Record<string, unknown>)[name];
    for (const v of Array.isArray(value) ? value : [value])
      if (typeof v === 'string' && v !== '') out.push(v);
  }
  return out;
}

/** The value of a parameter, treating an empty value as absent (RFC 6749 §3.1). */
export function param(params: Params, name: string): string | undefined {
  const v = params.get(name);
  return v === undefined || v === '' ? undefined : v;
}

export function requireParam(params: Params, name: string): string {
  const v = param(params, name);
  if (v === undefined) throw invalidRequest(`The parameter ${name} is required.`);
  return v;
}

/** The values of required parameters, in order; the first missing one is invalid_request. */
export function requireParams(params: Params, names: readonly string[]): string[] {
  return names.map((name) => requireParam(params, name));
}

/** `redirect_uri`, or Zoho's alias `redirect_url`; both given and different is an error. */
export function redirectUriParam(params: Params): string | undefined {
  const uri = param(params, 'redirect_uri');
  const url = param(params, 'redirect_url');
  if (uri !== undefined && url !== undefined && uri !== url) {
    throw invalidRequest('redirect_uri and redirect_url were both sent and differ.');
  }
  return uri ?? url;
}
