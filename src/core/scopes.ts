/**
 * Scope grammar, catalogues and matching (SPEC R7, R12.5).
 * Scopes look like `Service.segment(.segment)*.OPERATION`, where an operation is one word or
 * several joined by `-` (`READ`, `CREATE-UPDATE`); `X.ALL` grants X's READ, CREATE, UPDATE,
 * DELETE, WRITE and their composites, and every deeper scope under X (`ZohoCRM.modules.ALL`
 * grants `ZohoCRM.modules.leads.READ`); the rule and its reason are in @tollgate/resource's
 * scopes.ts. Matching ignores case; answers use the catalogue's spelling.
 *
 * Catalogues (`--scopes`): `seed` (AaaServer.profile.READ and SalesIQ), `zoho` (the seed plus
 * the documented scopes of Zoho's products, one data file per product in catalogues/zoho/, each
 * citing its source page), `any` (every well-formed scope), or a file of the operator's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { hasScope } from '@tollgate/resource';
import { invalidScope } from './errors.ts';
import { IDENTITY_SCOPES } from './oidc.ts';
import { traitsOf, type WireProfile } from './profiles.ts';

export interface ScopeEntry {
  name: string;
  description: string;
}

/**
 * `Service.segment(.segment)*.OPERATION` (SPEC R12.5): at least three parts separated by dots;
 * the service and each segment start with a letter (then letters, digits, `_`, `-`); the
 * operation is one or more words of letters joined by single `-` (`READ`, `CREATE-UPDATE`), so
 * `A.b.-READ`, `A.b.READ-`, `A.b.READ--X` and `A.b.READ1` are not scopes.
 */
export const SCOPE_GRAMMAR =
  /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)+\.[A-Za-z]+(-[A-Za-z]+)*$/;

/** Whether a string is a well-formed scope. */
export const isWellFormedScope = (name: string): boolean =>
  name.length <= 200 && SCOPE_GRAMMAR.test(name);

export interface ScopeCatalogueOptions {
  /** Accept every well-formed scope (`--scopes any`). */
  acceptAny?: boolean;
}

export class ScopeCatalogue {
  readonly entries: readonly ScopeEntry[];
  readonly acceptAny: boolean;
  private readonly byLowerName: Map<string, ScopeEntry>;

  /** The given entries, plus the OpenID Connect identity scopes (SPEC R13.3) when missing. */
  constructor(entries: readonly ScopeEntry[], options: ScopeCatalogueOptions = {}) {
    const names = new Set(entries.map((e) => e.name.toLowerCase()));
    this.entries = [...entries, ...IDENTITY_SCOPES.filter((e) => !names.has(e.name))];
    entries = this.entries;
    this.acceptAny = options.acceptAny ?? false;
    this.byLowerName = new Map(entries.map((e) => [e.name.toLowerCase(), e]));
  }

  /**
   * The catalogue entry for a scope, whatever its case: the listed scope itself, or a deeper
   * scope a listed `X.ALL` covers (described by it), or with `any` every well-formed scope.
   */
  find(name: string): ScopeEntry | undefined {
    const lower = name.toLowerCase();
    const listed = this.byLowerName.get(lower);
    if (listed) return listed;
    if (!isWellFormedScope(name)) return undefined;
    const parts = name.split('.');
    // Deeper than a listed X.ALL: the nearest covering ALL describes it.
    for (let end = parts.length - 1; end >= 2; end--) {
      const cover = this.byLowerName.get(`${parts.slice(0, end).join('.')}.all`.toLowerCase());
      if (cover && end < parts.length - 1) return { name, description: cover.description };
    }
    if (this.acceptAny) return { name, description: `Access to ${name}` };
    return undefined;
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
    if (typeof name !== 'string' || !isWellFormedScope(name)) {
      throw new Error(
        `${source}: scope #${i + 1} has no valid name (Service.segment(.segment)*.OPERATION)`,
      );
    }
    if (typeof description !== 'string' || description.length === 0) {
      throw new Error(`${source}: scope ${name} has no description`);
    }
    return { name, description };
  });
}

/** Data files live beside src/ and dist/ (both two levels up from this module). */
const CATALOGUES = new URL('../../catalogues/', import.meta.url);

/** The built-in catalogues of `--scopes`. */
export const SCOPE_CATALOGUES = ['seed', 'zoho', 'any'] as const;

function readCatalogueFile(url: URL, label: string): ScopeEntry[] {
  return checkEntries(JSON.parse(readFileSync(url, 'utf8')), label);
}

/** Entries of the later lists whose names (any case) are not already in the earlier ones. */
function merge(...lists: ScopeEntry[][]): ScopeEntry[] {
  const seen = new Set<string>();
  const out: ScopeEntry[] = [];
  for (const entry of lists.flat()) {
    const key = entry.name.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(entry);
    }
  }
  return out;
}

/** The Zoho product catalogues shipped in catalogues/zoho/ (one file per product). */
export function zohoCatalogueFiles(): string[] {
  return readdirSync(new URL('zoho/', CATALOGUES))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/**
 * A catalogue (SPEC R12.5): `seed`, `zoho`, `any`, or the path of a JSON file (added to the
 * seed); `extraFile` (`--scopes-file`) adds the operator's own scopes to any of them.
 */
export function loadScopeCatalogue(kind = 'seed', extraFile?: string): ScopeCatalogue {
  const seed = readCatalogueFile(new URL('seed.json', CATALOGUES), 'catalogues/seed.json');
  const lists: ScopeEntry[][] = [seed];
  if (kind === 'zoho') {
    for (const file of zohoCatalogueFiles())
      lists.push(readCatalogueFile(new URL(`zoho/${file}`, CATALOGUES), `catalogues/zoho/${file}`));
  } else if (kind !== 'seed' && kind !== 'any') {
    lists.push(checkEntries(JSON.parse(readFileSync(kind, 'utf8')), kind));
  }
  if (extraFile) lists.push(checkEntries(JSON.parse(readFileSync(extraFile, 'utf8')), extraFile));
  return new ScopeCatalogue(merge(...lists), { acceptAny: kind === 'any' });
}

/** The catalogue a server uses: `--scopes`, else `zoho` in the zoho profiles and `seed` in rfc. */
export function catalogueName(config: {
  scopes: string | undefined;
  profile: WireProfile;
}): string {
  return config.scopes ?? traitsOf(config.profile).defaultScopes;
}
