/**
 * Resource indicators (RFC 8707, SPEC R14.1): the `resource` parameter names the API a token is
 * for, and becomes the access token's audience. A resource is an absolute URI without a
 * fragment; a server may list the resources it issues tokens for (`--resources`).
 */
import { invalidTarget } from './errors.ts';
import { hasControlCharacters } from './text.ts';

/** The most resources one request may name. */
export const MAX_RESOURCES = 10;

/** The operator's list of allowed resources (`--resources a,b`), or undefined for any. */
export function allowedResources(setting: string | undefined): ReadonlySet<string> | undefined {
  if (setting === undefined) return undefined;
  const list = setting
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
  return list.length > 0 ? new Set(list) : undefined;
}

/** Why a resource indicator is malformed, or undefined. @see RFC 8707 §2 */
function resourceProblem(value: string): string | undefined {
  if (value.length > 2000 || hasControlCharacters(value) || /\s/.test(value))
    return 'is not a valid URI';
  if (value.includes('#')) return 'must not contain a fragment';
  try {
    new URL(value);
  } catch {
    return 'is not an absolute URI';
  }
  return undefined;
}

/**
 * Checks the `resource` values of a request: each well formed and allowed, at most
 * {@link MAX_RESOURCES}; repeats are dropped.
 * @throws OAuthError invalid_target
 */
export function checkResources(
  values: readonly string[],
  allowed: ReadonlySet<string> | undefined,
): string[] {
  const unique = [...new Set(values.filter((v) => v !== ''))];
  if (unique.length > MAX_RESOURCES)
    throw invalidTarget(`At most ${MAX_RESOURCES} resource parameters may be sent.`);
  for (const value of unique) {
    const problem = resourceProblem(value);
    if (problem) throw invalidTarget(`The resource ${value.slice(0, 200)} ${problem}.`);
    if (allowed && !allowed.has(value))
      throw invalidTarget(`This server does not issue tokens for ${value.slice(0, 200)}.`);
  }
  return unique;
}

/**
 * The audience of a token asked for `requested` under a grant of `granted` resources: the
 * requested ones, which must be among those granted when the grant named any (a token request
 * or a refresh may narrow, never widen), else all granted.
 * @throws OAuthError invalid_target
 */
export function narrowResources(
  requested: readonly string[],
  granted: readonly string[],
): string[] {
  if (requested.length === 0) return [...granted];
  if (granted.length > 0) {
    const outside = requested.find((r) => !granted.includes(r));
    if (outside !== undefined)
      throw invalidTarget(
        `The resource ${outside.slice(0, 200)} was not part of the authorization.`,
      );
  }
  return [...requested];
}
