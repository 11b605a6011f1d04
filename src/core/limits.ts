/**
 * Limit presets (SPEC R12.4): Zoho's pages disagree on the caps, so a test suite picks the
 * service it integrates with. `--limits` sets the preset; a single-limit flag overrides it.
 *
 * - `seed`: SPEC R5 as written (20 refresh tokens per user and client, the 21st evicts the
 *   oldest; 20 live access tokens per refresh token).
 * - `zoho-accounts`: 10 live access tokens per refresh token, the oldest invalidated past it, as
 *   Zoho Accounts' token-limits page says (https://zoho.com/accounts/protocol/oauth/token-limits.html).
 * - `zoho-crm`: 15 live access tokens per refresh token, the 16th invalidating the oldest, as CRM
 *   v8's Token Validity page says (https://www.zoho.com/crm/developer/docs/api/v8/token-validity.html;
 *   the copy the search tool found is at zohohelp.com/crm/developer/docs/api/v8/token-validity.html)
 *   and CRM's "Kaizen #43 - Tokens and Limitations" post repeats
 *   (https://help.zoho.com/portal/en/community/topic/kaizen-43-tokens-and-limitations). Zoho's
 *   pages disagree: CRM v3's Token Validity page gives no live cap at all (only 10 new access
 *   tokens per refresh token in 10 minutes), Vertical Solutions v5 (built on CRM) says the 11th
 *   deletes the first, and other products' pages say 30 (Zoho FSM:
 *   https://www.zoho.com/fsm/developer/help/api/refresh-token.html; Workerly, PDF Editor). The
 *   preset keeps SPEC's 15; `--access-tokens-per-refresh` sets another count.
 * - `zoho-projects`: a user's 21st refresh token is refused with "Access Denied" instead of
 *   evicting the oldest (https://www.zoho.com/projects/help/rest-api/faq/oauth.html).
 */

export const LIMIT_PRESETS = ['seed', 'zoho-accounts', 'zoho-crm', 'zoho-projects'] as const;
export type LimitPreset = (typeof LIMIT_PRESETS)[number];

/** What happens to the refresh token past the cap: the oldest goes, or the new one is refused. */
export type RefreshTokenOverflow = 'evict' | 'refuse';

export interface LimitPresetValues {
  refreshTokenCap?: number;
  accessTokensPerRefresh?: number;
  refreshTokenOverflow: RefreshTokenOverflow;
}

/** The values each preset sets; options it leaves out keep their defaults. */
export const LIMIT_PRESET_VALUES: Readonly<Record<LimitPreset, LimitPresetValues>> = {
  seed: { refreshTokenOverflow: 'evict' },
  'zoho-accounts': { accessTokensPerRefresh: 10, refreshTokenOverflow: 'evict' },
  'zoho-crm': { accessTokensPerRefresh: 15, refreshTokenOverflow: 'evict' },
  'zoho-projects': { refreshTokenCap: 20, refreshTokenOverflow: 'refuse' },
};

/** What the preset does past the refresh-token cap. */
export function refreshTokenOverflow(preset: LimitPreset): RefreshTokenOverflow {
  return LIMIT_PRESET_VALUES[preset].refreshTokenOverflow;
}
