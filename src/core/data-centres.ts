/**
 * Data centres (SPEC R13.1): Zoho's names, and the list one Tollgate process serves. The first
 * listed is where the server itself is (`location`); each user has a home among them.
 * @see https://zoho.com/accounts/protocol/oauth/multi-dc.html
 */

/** Zoho's data centres, as the `location` callback parameter names them. */
export const DATA_CENTRE_NAMES = ['us', 'eu', 'in', 'au', 'jp', 'ca', 'sa', 'uk', 'cn'] as const;

export type DataCentreName = (typeof DATA_CENTRE_NAMES)[number];

/** Whether `name` is one of Zoho's data-centre names (lower case, as on the wire). */
export function isDataCentreName(name: string): name is DataCentreName {
  return (DATA_CENTRE_NAMES as readonly string[]).includes(name);
}

/**
 * Parses a comma-separated list of data centres (`us,eu`), refusing an empty, unknown or
 * repeated name.
 * @returns the names in order, or the problem in words.
 */
export function parseDataCentres(value: string): { names: string[] } | { problem: string } {
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') return { problem: 'a data-centre name is empty' };
    if (!isDataCentreName(name))
      return {
        problem: `unknown data centre '${name.slice(0, 20)}' (known: ${DATA_CENTRE_NAMES.join(', ')})`,
      };
    if (seen.has(name)) return { problem: `data centre '${name}' is listed twice` };
    seen.add(name);
  }
  return { names };
}

/** Whether a client with these enabled data centres may serve a person of `dc` (null: all). */
export function isEnabledIn(dataCentres: readonly string[] | null, dc: string): boolean {
  return dataCentres === null || dataCentres.includes(dc);
}
