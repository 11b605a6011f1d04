/**
 * Scope grammar, catalogue and matching (SPEC R7).
 * Scopes look like `Service.resource.OPERATION`; `ALL` grants READ, CREATE, UPDATE and DELETE.
 * Matching ignores case; answers use the catalogue's spelling.
 */
import { readFileSync } from 'node:fs';
import { hasScope } from '@tollgate/resource';
import { invalidScope } from './errors.ts';
import { IDENTITY_SCOPES } from './oidc.ts';

export interface ScopeEntry {
  name: string;
  description: string;
}

const SCOPE_GRAMMAR = /^[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z]+$/;

export class ScopeCatalogue {
  readonly entries: readonly ScopeEntry[];
  private readonly byLowerName: Map<string, ScopeEntry>;

  /** The given entries, plus the OpenID Connect identity scopes (SPEC R13.3) when missing. */
  constructor(entries: readonly ScopeEntry[]) {
    const names = new Set(entries.map((e) => e.name.toLowerCase()));
    this.entries = [...entries, ...IDENTITY_SCOPES.filter((e) => !names.has(e.name))];
    entries = this.entries;
    this.byLowerName = new Map(entries.map((e) => [e.name.toLowerCase(), e]));
  }

  /** The catalogue entry for a scope, whatever its case, or undefined. */
  find(name: string): ScopeEntry | undefined {
    return this.byLowerName.get(name.toLowerCase());
  }

  /**
   * Parses a `scope` parameter: comma- or space-separated (the seed uses commas, RFC 6749 spaces),
   * deduplicated, in the catalogue's spelling.
   * @throws OAuthError invalid_scope for an unknown scope or an empty list.
   */
  parse(raw: string | undefined): string[] {
    const names = splitScopes(raw ?? '');
    if (names.length === 0) throw invalidScope('No scope was requested.');
    const result: string[] = [];
    for (const name of names) {
      const entry = this.find(name);
      if (!entry) throw invalidScope(`Unknown scope: ${name.slice(0, 100)}`);
      if (!result.includes(entry.name)) result.push(entry.name);
    }
    return result;
  }
}

/** Splits a scope string on commas and white space. */
export function splitScopes(raw: string): string[] {
  return raw.split(/[\s,]+/).filter((s) => s.length > 0);
}

/** The space-separated form used in token responses (RFC 6749 §3.3). */
export function formatScopes(scopes: readonly string[]): string {
  return scopes.join(' ');
}

export { hasScope };

/** Whether every requested scope is covered by a grant (for skipping the consent page). */
export function coversAll(granted: readonly string[], requested: readonly string[]): boolean {
  return requested.every((r) => hasScope(granted, r));
}

function checkEntries(value: unknown, source: string): ScopeEntry[] {
  const list = (value as { scopes?: unknown }).scopes;
  if (!Array.isArray(list)) throw new Error(`${source}: expected {"scopes": [...]}`);
  return list.map((item, i) => {
    const { name, description } = (item ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !SCOPE_GRAMMAR.test(name)) {
      throw new Error(`${source}: scope #${i + 1} has no valid name (Service.resource.OPERATION)`);
    }
    if (typeof description !== 'string' || description.length === 0) {
      throw new Error(`${source}: scope ${name} has no description`);
    }
    return { name, description };
  });
}

/** Data files live beside src/ and dist/ (both two levels up from this module). */
const BUILT_IN = new URL('../../catalogues/seed.json', import.meta.url);

/** The shipped catalogue, extended with the operator's file when one is given. */
export function loadScopeCatalogue(extraFile?: string): ScopeCatalogue {
  const builtIn = checkEntries(JSON.parse(readFileSync(BUILT_IN, 'utf8')), 'catalogues/seed.json');
  if (!extraFile) return new ScopeCatalogue(builtIn);
  const extra = checkEntries(JSON.parse(readFileSync(extraFile, 'utf8')), extraFile);
  const seen = new Set(builtIn.map((e) => e.name.toLowerCase()));
  return new ScopeCatalogue([...builtIn, ...extra.filter((e) => !seen.has(e.name.toLowerCase()))]);
}
