/**
 * Scope matching (Tollgate's SPEC R7): scopes look like `Service.resource.OPERATION`, matching
 * ignores case, and `Service.resource.ALL` grants that resource's READ, CREATE, UPDATE and DELETE.
 */

const COVERED_BY_ALL: ReadonlySet<string> = new Set(['read', 'create', 'update', 'delete', 'all']);

/**
 * Whether the granted scopes cover the required one: the same scope (any case), or
 * `Service.resource.ALL` for one of its four operations.
 */
export function hasScope(granted: readonly string[], required: string): boolean {
  const want = required.toLowerCase();
  const dot = want.lastIndexOf('.');
  const allForm = `${want.slice(0, dot)}.all`;
  const allCovers = dot > 0 && COVERED_BY_ALL.has(want.slice(dot + 1));
  return granted.some((g) => {
    const have = g.toLowerCase();
    return have === want || (allCovers && have === allForm);
  });
}
