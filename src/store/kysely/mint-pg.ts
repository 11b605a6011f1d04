/**
 * PostgreSQL's refresh grant mint after the grant lock (SPEC R5.3, R5.6, R16), in one statement:
 * the refresh token's read, the throttle counter's hit (when throttles are on), the token's
 * touch, the new access token and the access-token cap's delete; one round trip instead of four
 * or five.
 *
 * The caller sends the grant lock of the token's user and client just before it, in the same
 * round trip (mintIn in grant-writes.ts; PostgreSQL runs the two in order), so this statement
 * starts, and takes its snapshot, once the lock is held: it sees everything the grant's earlier
 * lock holders committed, the read is as fresh and the cap counts exactly what the separate
 * statements read and counted. (The lock cannot be part of this statement: its snapshot would be
 * taken before the lock was granted.) The one thing it does not see is its own insert: the new token is the newest
 * live one of its refresh token (its id is the sequence's next, taken under the lock), so keeping
 * the newest `cap - 1` of the others and the new one keeps the newest `cap`, as grant-writes.ts's
 * CAP_ACCESS does after its insert.
 *
 * It writes only for a refresh token of the locked user ($3) that was not rotated; otherwise it
 * returns the row and writes nothing, and the caller goes the long way (another user's lock, or
 * the end of a rotated token's family). With a throttle, past the limit it writes nothing but the
 * counter (the hit counts, as with the separate statements).
 */
import { hotStatement, type SqlRunner } from './hot-sql.ts';
import { REVOCATION_CHANNEL } from './revocations.ts';
import type { RefreshTokensTable } from './schema.ts';

export type MintRow = Omit<RefreshTokensTable, 'id'> & { id: number };

/**
 * `live`: the grant's client and user, if the client exists and the user is not disabled, locked
 * FOR SHARE as the grant lock of the other paths does (grant-writes.ts): deleting the client or
 * disabling the user waits for this transaction, and one that committed first is seen (the
 * locked rows are read at their newest version), so no token is minted for a grant that ended.
 */
const READ =
  'rt as (select id, token_hash, client_id, zuid, scopes, family_id, code_hash, created_at, last_used_at, rotated_at, resources, dpop_jkt from refresh_tokens where token_hash = $1::text and client_id = $2::text), ' +
  'live as (select users.zuid from clients, users where clients.client_id = $2::text and users.zuid = $3::bigint and users.disabled = 0 for share), ' +
  'ok as (select rt.id, rt.zuid, rt.scopes from rt, live where rt.rotated_at is null and rt.zuid = $3::bigint)';

/**
 * Parameters: $4 now, $5-$9 the access token, $10 cap - 1; `go` the row to mint from, if any.
 * The cap reads the refresh token's newest tokens by the (refresh_token_id, id) index only
 * (`expires_at + 0`, as CAP_ACCESS in grant-writes.ts: never the whole expiry index). Its delete
 * starts at the refresh token's oldest row (`min(id)`, an index scan, which marks the index
 * entries of rows already deleted as dead as it passes them): the delete's own bitmap scan never
 * does, and from the refresh token's first entry it read every row earlier caps had deleted,
 * until a VACUUM, at every refresh (test/store/r16-cap-index.test.ts).
 */
const WRITES =
  'touched as (update refresh_tokens set last_used_at = $4::bigint where id = (select id from go)), ' +
  'inserted as (insert into access_tokens (token_hash, client_id, zuid, scopes, expires_at, refresh_token_id, code_hash, created_at, audience, dpop_jkt) ' +
  'select $5::text, $2::text, go.zuid, go.scopes, $6::bigint, go.id, null, $4::bigint, $7::text, $8::text from go), ' +
  'capped as (delete from access_tokens where refresh_token_id = (select id from go) and id >= (select min(id) from access_tokens where refresh_token_id = (select id from go)) and id <= (select id from access_tokens where refresh_token_id = (select id from go) and expires_at + 0 > $4::bigint order by id desc limit 1 offset $9::bigint) returning 1)';

/**
 * A cap's delete ends access tokens early: the statement sends revocation's NOTIFY itself (SPEC
 * R15.6; revocations.ts), which PostgreSQL delivers when the transaction commits (or never, if
 * it or the member's savepoint is rolled back), instead of a statement of its own after it.
 */
const NOTIFY = `notified as (select pg_notify('${REVOCATION_CHANNEL}', current_schema()) from (select 1 from capped limit 1) c)`;
const EVICTED =
  '(select count(*) from live)::int as live, (select count(*) from capped)::int as evicted, (select count(*) from notified)::int as notified';

const MINT = hotStatement(
  'mint',
  `with ${READ}, go as (select * from ok), ${WRITES}, ${NOTIFY} select rt.*, ${EVICTED} from rt`,
);

/** As MINT, with the counter's hit first: $10 new window's end, $11 limit. */
const MINT_THROTTLED = hotStatement(
  'mint_throttled',
  `with ${READ}, ` +
    "hit as (insert into counters (key, window_end, count) select 'mint:' || ok.id, $10::bigint, 1 from ok on conflict (key) do update set count = case when counters.window_end <= $4::bigint then 1 else counters.count + 1 end, window_end = case when counters.window_end <= $4::bigint then $10::bigint else counters.window_end end returning count, window_end), " +
    `go as (select ok.* from ok, hit where hit.count <= $11::int), ${WRITES}, ${NOTIFY} ` +
    `select rt.*, hit.count as hits, hit.window_end as hits_end, ${EVICTED} from rt left join hit on true`,
);

export interface MintPgInput {
  refreshTokenHash: string;
  clientId: string;
  /** The user whose grant lock the caller holds. */
  zuid: number;
  now: number;
  access: {
    tokenHash: string;
    expiresAt: number;
    audience: string | null;
    dpopJkt: string | null;
  };
  /** Live access tokens to keep per refresh token, the new one included (at least 1). */
  accessTokenCap: number;
  throttle: { windowEnd: number; limit: number } | null;
}

export type MintPgResult =
  /** No such refresh token of this client, or its grant ended (client deleted, user disabled). */
  | { outcome: 'unknown' }
  /** Nothing written: the token is another user's, or was rotated. */
  | { outcome: 'not-written'; row: MintRow }
  | { outcome: 'throttled'; row: MintRow; windowEnd: number }
  /** `notified`: the statement sent revocation's NOTIFY (it evicted a token). */
  | { outcome: 'minted'; row: MintRow; evicted: number; notified: boolean };

/** Reads the refresh token and, when it may, mints from it, in one statement. */
export async function mintPg(q: SqlRunner, input: MintPgInput): Promise<MintPgResult> {
  const { now, access, throttle } = input;
  const values = [
    input.refreshTokenHash,
    input.clientId,
    input.zuid,
    now,
    access.tokenHash,
    access.expiresAt,
    access.audience,
    access.dpopJkt,
    input.accessTokenCap - 1,
  ];
  type Returned = MintRow & {
    live: number;
    evicted: number;
    notified: number;
    hits?: number | null;
    hits_end?: number | null;
  };
  const found =
    throttle === null
      ? await q.one<Returned>(MINT, values)
      : await q.one<Returned>(MINT_THROTTLED, [...values, throttle.windowEnd, throttle.limit]);
  if (found === undefined) return { outcome: 'unknown' };
  const { live, evicted, notified, hits, hits_end: hitsEnd, ...row } = found;
  if (Number(live) === 0 && Number(row.zuid) === input.zuid) return { outcome: 'unknown' };
  // Written only for a live token of the locked user (and, with a throttle, once it was hit).
  if (row.rotated_at !== null || Number(row.zuid) !== input.zuid || hits === null)
    return { outcome: 'not-written', row };
  if (throttle !== null && Number(hits) > throttle.limit)
    return { outcome: 'throttled', row, windowEnd: Number(hitsEnd) };
  return { outcome: 'minted', row, evicted: Number(evicted), notified: Number(notified) > 0 };
}
