/**
 * Scope matching (Tollgate's SPEC R7, R12.5): scopes look like `Service.segment(.segment)*.OPERATION`,
 * matching ignores case, and `X.ALL` grants X's READ, CREATE, UPDATE and DELETE and every deeper
 * scope under X (`ZohoCRM.modules.ALL` grants `ZohoCRM.modules.leads.READ`).
 */

const COVERED_BY_ALL: ReadonlySet<string> = new Set(['read', 'create', 'update', 'delete', 'all']);

/**
 * Whether the granted scopes cover the required one: the same scope (any case), `X.ALL` for one
 * of X's four operations, or `X.ALL` for any scope deeper under X.
 */
export function hasScope(granted: readonly string[], required: string): boolean {
  const want = required.toLowerCase();
  const dot = want.lastIndexOf('.');
  if (dot <= 0) return granted.some((g) => g.toLowerCase() === want);
  const base = want.slice(0, dot);
  const allCovers = COVERED_BY_ALL.has(want.slice(dot + 1));
  return granted.some((g) => {
    const have = g.toLowerCase();
    if (have === want) return true;
    if (!have.endsWith('.all')) return false;
    const prefix = have.slice(0, -'.all'.length);
    // Needs a service and a segment: `ZohoCRM.ALL` is not a scope that covers a whole service.
    if (!prefix.includes('.')) return false;
    return (allCovers && base === prefix) || base.startsWith(`${prefix}.`);
  });
}
