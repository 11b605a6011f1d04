/**
 * Scope matching (Tollgate's SPEC R7, R12.5): scopes look like `Service.segment(.segment)*.OPERATION`,
 * matching ignores case, and `X.ALL` grants operations at X and every deeper scope under X
 * (`ZohoCRM.modules.ALL` grants `ZohoCRM.modules.leads.READ`).
 *
 * An operation is one word (`READ`) or several joined by `-` (`CREATE-UPDATE`, as Zoho Campaigns
 * names its scopes). A scope matches only as a whole: `X.CREATE-UPDATE` does not grant `X.CREATE`,
 * nor `X.CREATE` grant `X.CREATE-UPDATE`.
 *
 * What `X.ALL` covers at X itself: an operation every word of which is READ, CREATE, UPDATE,
 * DELETE, WRITE or ALL. WRITE is in the list because Zoho Campaigns' API pages define
 * `WRITE` as CREATE + UPDATE + DELETE and `ALL` as CREATE + UPDATE + DELETE + READ
 * (https://www.zoho.com/campaigns/help/developers/create-campaign.html), so ALL is the larger
 * grant. So `X.ALL` covers `X.CREATE-UPDATE` and `X.WRITE`, but not `X.EXPORT`.
 */

const COVERED_BY_ALL: ReadonlySet<string> = new Set([
  'read',
  'create',
  'update',
  'delete',
  'write',
  'all',
]);

/** Whether `X.ALL` covers this operation (lower case) at X: every `-`-joined word is covered. */
function coveredByAll(operation: string): boolean {
  return operation.split('-').every((word) => COVERED_BY_ALL.has(word));
}

/**
 * Whether the granted scopes cover the required one: the same scope (any case), `X.ALL` for an
 * operation at X that ALL covers (see above), or `X.ALL` for any scope deeper under X.
 */
export function hasScope(granted: readonly string[], required: string): boolean {
  const want = required.toLowerCase();
  const dot = want.lastIndexOf('.');
  if (dot <= 0) return granted.some((g) => g.toLowerCase() === want);
  const base = want.slice(0, dot);
  // Worked out only if an ALL is among the grants (most checks find the scope itself).
  let allCovers: boolean | undefined;
  return granted.some((g) => {
    const have = g.toLowerCase();
    if (have === want) return true;
    if (!have.endsWith('.all')) return false;
    const prefix = have.slice(0, -'.all'.length);
    // Needs a service and a segment: `ZohoCRM.ALL` is not a scope that covers a whole service.
    if (!prefix.includes('.')) return false;
    allCovers ??= coveredByAll(want.slice(dot + 1));
    return (allCovers && base === prefix) || base.startsWith(`${prefix}.`);
  });
}
