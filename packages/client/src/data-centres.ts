/**
 * Zoho's data centres: where each one's accounts server and API live.
 *
 * Sources (checked 2025): Zoho Accounts "Multi DC support"
 * (https://www.zoho.com/accounts/protocol/oauth/multi-dc.html) lists the accounts servers for
 * US, EU, IN, AU, JP, CA, SA and UK; CN (accounts.zoho.com.cn) is listed by the Zoho CRM and
 * Bigin multi-DC pages instead, and the CRM page says authorization for CN must start at
 * accounts.zoho.com.cn. The API domains come from the Bigin and WorkDrive multi-DC tables.
 *
 * Where the sources disagree:
 * - Australia: every accounts page uses `accounts.zoho.com.au` and `www.zohoapis.com.au`, but
 *   product pages abbreviate the domain to ".au" (e.g. Zoho Meeting: "Likewise for .eu, .au");
 *   there is no `zoho.au` host, so `.com.au` is used.
 * - Canada: the accounts server is `accounts.zohocloud.ca` while the API domain is
 *   `www.zohoapis.ca` (not `zohoapis.zohocloud.ca`); Bigin and WorkDrive agree on this.
 * - UK: only the Zoho Accounts page lists it (`accounts.zoho.uk`); no API table we found lists a
 *   UK API domain, so `www.zohoapis.uk` follows the pattern of the others and is unverified.
 * - A sample token response in Zoho's multi-DC guide shows `api_domain: https://api.zoho.eu`,
 *   while every API table says `www.zohoapis.eu`. The SDK always prefers the `api_domain`
 *   the token response carries, so this table only serves before the first token.
 */
export const DATA_CENTRES = {
  us: { accountsServer: 'https://accounts.zoho.com', apiDomain: 'https://www.zohoapis.com' },
  eu: { accountsServer: 'https://accounts.zoho.eu', apiDomain: 'https://www.zohoapis.eu' },
  in: { accountsServer: 'https://accounts.zoho.in', apiDomain: 'https://www.zohoapis.in' },
  au: { accountsServer: 'https://accounts.zoho.com.au', apiDomain: 'https://www.zohoapis.com.au' },
  jp: { accountsServer: 'https://accounts.zoho.jp', apiDomain: 'https://www.zohoapis.jp' },
  ca: { accountsServer: 'https://accounts.zohocloud.ca', apiDomain: 'https://www.zohoapis.ca' },
  sa: { accountsServer: 'https://accounts.zoho.sa', apiDomain: 'https://www.zohoapis.sa' },
  uk: { accountsServer: 'https://accounts.zoho.uk', apiDomain: 'https://www.zohoapis.uk' },
  cn: { accountsServer: 'https://accounts.zoho.com.cn', apiDomain: 'https://www.zohoapis.com.cn' },
} as const satisfies Record<string, DataCentreInfo>;

/** One of Zoho's data centres, as the `location` callback parameter names it. */
export type DataCentre = keyof typeof DATA_CENTRES;

/** Where a data centre's accounts server and API live. */
export interface DataCentreInfo {
  /** Origin of the accounts server (authorization, token, revoke and user info endpoints). */
  readonly accountsServer: string;
  /** Origin of the APIs, used until a token response supplies its own `api_domain`. */
  readonly apiDomain: string;
}

/** Whether `value` names a known data centre (`us`, `eu`, ...), case-insensitively. */
export function isDataCentre(value: string): value is DataCentre {
  return Object.hasOwn(DATA_CENTRES, value.toLowerCase());
}

/** The data centre whose accounts server has the origin of `url`, if any. */
export function findDataCentreByAccountsServer(url: string): DataCentre | undefined {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return undefined;
  }
  for (const [name, info] of Object.entries(DATA_CENTRES)) {
    if (info.accountsServer === origin) return name as DataCentre;
  }
  return undefined;
}
