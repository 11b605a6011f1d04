/**
 * The write transactions of the token endpoint (SPEC R4-R5, R16) on the hot SQL executor
 * (hot-sql.ts) instead of the query builder: the refresh grant's mint, the code exchange's
 * redemption, and issuing tokens. Each is a function of a `SqlRunner`, so the store runs it in a
 * transaction of its own or as one member of a group commit (group-commit.ts), on either
 * database. The SQL is written once; only the grant lock differs (PostgreSQL locks rows and an
 * advisory key, SQLite runs one writer at a time anyway; see locks.ts).
 */
import type {
  AuthorizationCode,
  IssueTokensInput,
  IssueTokensResult,
  MintAccessTokenInput,
  MintAccessTokenResult,
  NewAccessToken,
  RedeemCodeInput,
  RedeemCodeResult,
  SqlDialect,
} from '../types.ts';
import { REFRESH_COLUMNS, type RefreshRow } from './hot-reads.ts';
import { hotStatement, type SqlRunner } from './hot-sql.ts';
import { mintPg } from './mint-pg.ts';
import { notifiedWith } from './revocations.ts';
import { joinList, toCode, toRefreshToken } from './rows.ts';
import type { AuthCodesTable } from './schema.ts';

const FIND_REFRESH = hotStatement(
  'find_refresh',
  `select ${REFRESH_COLUMNS} from refresh_tokens where token_hash = $1`,
);
const FIND_CLIENT_REFRESH = hotStatement(
  'find_client_refresh',
  `select ${REFRESH_COLUMNS} from refresh_tokens where token_hash = $1 and client_id = $2`,
);

/**
 * The grant lock of locks.ts in one statement. PostgreSQL: the client and user rows in share
 * mode, then (only when both are live; otherwise the caller writes nothing) the advisory key;
 * the subquery is never flattened, so the rows are locked first, as `lockGrant` does.
 */
const LOCK_GRANT_PG = hotStatement(
  'lock_grant',
  `select live.zuid, pg_advisory_xact_lock(hashtext($3)) from (select users.zuid from clients, users where clients.client_id = $1 and users.zuid = $2 and users.disabled = 0 for share) live`,
);
/**
 * The grant lock alone, for the refresh mint, which checks that the grant is live itself
 * (mint-pg.ts) and is sent with this lock in one round trip.
 */
const LOCK_ONLY_PG = hotStatement('lock_only', `select pg_advisory_xact_lock(hashtext($1))`);
const LIVE_GRANT_SQLITE = hotStatement(
  'live_grant',
  `select users.zuid from clients, users where clients.client_id = $1 and users.zuid = $2 and users.disabled = 0`,
);

const HIT_COUNTER = hotStatement(
  'hit_counter',
  `insert into counters (key, window_end, count) values ($1, $2, 1) on conflict (key) do update set count = case when counters.window_end <= $3 then 1 else counters.count + 1 end, window_end = case when counters.window_end <= $3 then $2 else counters.window_end end returning count, window_end`,
);
const TOUCH_REFRESH = hotStatement(
  'touch_refresh',
  `update refresh_tokens set last_used_at = $1 where id = $2`,
);
const ROTATE_OUT = hotStatement(
  'rotate_out',
  `update refresh_tokens set rotated_at = $1, last_used_at = $1 where id = $2`,
);
const DELETE_ACCESS_OF_REFRESH = hotStatement(
  'delete_access_of_refresh',
  `delete from access_tokens where refresh_token_id = $1`,
);
const DELETE_FAMILY_ACCESS = hotStatement(
  'delete_family_access',
  `delete from access_tokens where refresh_token_id in (select id from refresh_tokens where family_id = $1)`,
);
/**
 * The same on PostgreSQL, whose planner turned the `in (select ...)` into a hash join over a
 * sequential scan of every access token (a code exchange that evicted a refresh token read the
 * whole table): the family's ids are read first, then their tokens by the refresh_token_id index.
 */
const DELETE_FAMILY_ACCESS_PG = hotStatement(
  'delete_family_access_pg',
  `delete from access_tokens where refresh_token_id = any(array(select id from refresh_tokens where family_id = $1))`,
);
const DELETE_FAMILY = hotStatement(
  'delete_family',
  `delete from refresh_tokens where family_id = $1`,
);
const INSERT_REFRESH = hotStatement(
  'insert_refresh',
  `insert into refresh_tokens (token_hash, client_id, zuid, scopes, family_id, code_hash, created_at, last_used_at, rotated_at, resources, dpop_jkt) values ($1, $2, $3, $4, $5, $6, $7, $8, null, $9, $10) returning id`,
);
const INSERT_ACCESS = hotStatement(
  'insert_access',
  `insert into access_tokens (token_hash, client_id, zuid, scopes, expires_at, refresh_token_id, code_hash, created_at, audience, dpop_jkt) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
);
/**
 * SPEC R5.3 in one statement: keep only the newest `cap` ($3) live access tokens of a refresh
 * token, deleting from the (cap+1)-th newest live one down (nothing when there are fewer).
 * `expires_at + 0`: the expiry is checked on the rows the (refresh_token_id, id) index finds,
 * never through the expiry index, whose range `> now` holds every live token of the table
 * (PostgreSQL's planner would otherwise AND the two indexes: test/store/r16-cap-index.test.ts).
 */
const CAP_ACCESS = hotStatement(
  'cap_access',
  `delete from access_tokens where refresh_token_id = $1 and id <= (select id from access_tokens where refresh_token_id = $1 and expires_at + 0 > $2 order by id desc limit 1 offset $3)`,
);
const LIVE_REFRESH = hotStatement(
  'live_refresh',
  `select id, family_id from refresh_tokens where zuid = $1 and client_id = $2 and rotated_at is null order by id desc`,
);
const FIND_CODE = hotStatement('find_code', `select * from auth_codes where code_hash = $1`);
const CONSUME_CODE = hotStatement(
  'consume_code',
  `update auth_codes set consumed_at = $1 where code_hash = $2 and consumed_at is null returning *`,
);
const GRANT_OF_CODE = hotStatement(
  'grant_of_code',
  `select zuid, client_id from auth_codes where code_hash = $1`,
);
const CODE_EXISTS = hotStatement(
  'code_exists',
  `select code_hash from auth_codes where code_hash = $1`,
);

/**
 * Which grant (user and client) a refresh token or a code belongs to, read outside a
 * transaction, or undefined for an unknown one: group commit keeps the work of one grant in one
 * lane (group-commit.ts). A token or code never changes hands, so the answer cannot go stale.
 */
export async function grantOf(
  q: SqlRunner,
  what: { refreshTokenHash: string; clientId: string } | { codeHash: string },
): Promise<string | undefined> {
  const row =
    'codeHash' in what
      ? await q.one<{ zuid: number; client_id: string }>(GRANT_OF_CODE, [what.codeHash])
      : await q.one<{ zuid: number; client_id: string }>(FIND_CLIENT_REFRESH, [
          what.refreshTokenHash,
          what.clientId,
        ]);
  return row && grantName(Number(row.zuid), row.client_id);
}

/** The name of a grant, as group commit and the advisory lock know it. */
export const grantName = (zuid: number, clientId: string): string => `grant:${zuid}:${clientId}`;

/** A refresh token by hash, outside a transaction (read before the mint). */
export async function findRefreshRow(q: SqlRunner, tokenHash: string) {
  const row = await q.one<RefreshRow>(FIND_REFRESH, [tokenHash]);
  return row && toRefreshToken(row);
}

/** Takes the grant lock (PostgreSQL) and says whether the client exists and the user is enabled. */
async function lockGrant(
  q: SqlRunner,
  dialect: SqlDialect,
  zuid: number,
  clientId: string,
): Promise<boolean> {
  const live =
    dialect === 'postgres'
      ? await q.one(LOCK_GRANT_PG, [clientId, zuid, grantName(zuid, clientId)])
      : await q.one(LIVE_GRANT_SQLITE, [clientId, zuid]);
  return live !== undefined;
}

/** Ends a family of refresh tokens, with every access token minted from them. */
async function deleteFamily(q: SqlRunner, dialect: SqlDialect, familyId: string): Promise<void> {
  await q.run(dialect === 'postgres' ? DELETE_FAMILY_ACCESS_PG : DELETE_FAMILY_ACCESS, [familyId]);
  await q.run(DELETE_FAMILY, [familyId]);
}

async function insertAccess(q: SqlRunner, token: NewAccessToken, now: number): Promise<void> {
  await q.run(INSERT_ACCESS, [
    token.tokenHash,
    token.clientId,
    token.zuid,
    joinList(token.scopes),
    token.expiresAt,
    token.refreshTokenId,
    token.codeHash,
    now,
    token.audience?.length ? joinList(token.audience) : null,
    token.dpopJkt ?? null,
  ]);
}

/** Deletes the oldest live refresh tokens of a user and client beyond the cap (SPEC R5.2). */
async function evictOldRefreshTokens(
  q: SqlRunner,
  dialect: SqlDialect,
  zuid: number,
  clientId: string,
  cap: number,
): Promise<number> {
  const live = await q.all<{ id: number; family_id: string }>(LIVE_REFRESH, [zuid, clientId]);
  const doomed = live.slice(cap);
  for (const familyId of new Set(doomed.map((r) => r.family_id)))
    await deleteFamily(q, dialect, familyId);
  return doomed.length;
}

/**
 * Writes an access token and, optionally, its refresh token, evicting refresh tokens past the
 * cap (or refusing past it); the caller holds the grant lock.
 */
async function writeTokens(
  q: SqlRunner,
  dialect: SqlDialect,
  input: IssueTokensInput,
): Promise<{ refreshTokenId: number | null; evicted: number } | 'refresh-cap-reached'> {
  const { access, refresh, now } = input;
  let refreshTokenId: number | null = null;
  let evicted = 0;
  if (refresh) {
    if (input.refreshTokenOverflow === 'refuse') {
      const live = await q.all(LIVE_REFRESH, [access.zuid, access.clientId]);
      if (live.length >= input.refreshTokenCap) return 'refresh-cap-reached';
    }
    const row = await q.one<{ id: number }>(INSERT_REFRESH, [
      refresh.tokenHash,
      access.clientId,
      access.zuid,
      joinList(access.scopes),
      refresh.familyId,
      access.codeHash,
      now,
      null,
      refresh.resources?.length ? joinList(refresh.resources) : null,
      refresh.dpopJkt ?? null,
    ]);
    refreshTokenId = Number(row?.id);
    evicted = await evictOldRefreshTokens(
      q,
      dialect,
      access.zuid,
      access.clientId,
      input.refreshTokenCap,
    );
  }
  await insertAccess(q, { ...access, refreshTokenId }, now);
  return { refreshTokenId, evicted };
}

/** `issueTokens` (store contract in types/grants.ts). */
export async function issueTokensIn(
  q: SqlRunner,
  dialect: SqlDialect,
  input: IssueTokensInput,
): Promise<IssueTokensResult> {
  const { access } = input;
  if (!(await lockGrant(q, dialect, access.zuid, access.clientId)))
    return { outcome: 'grant-revoked', reason: 'client-deleted-or-user-disabled' };
  // A replay of the code may have revoked it between consumeCode and now (RFC 6749 §4.1.2).
  if (access.codeHash !== null && !(await q.one(CODE_EXISTS, [access.codeHash])))
    return { outcome: 'grant-revoked', reason: 'code-revoked' };
  const written = await writeTokens(q, dialect, input);
  if (written === 'refresh-cap-reached') return { outcome: written };
  return { outcome: 'issued', ...written };
}

/** `mintAccessToken`, the refresh grant (store contract in types/grants.ts). */
export async function mintIn(
  q: SqlRunner,
  dialect: SqlDialect,
  input: MintAccessTokenInput,
): Promise<MintAccessTokenResult> {
  const { now } = input;
  const find = () =>
    q.one<RefreshRow>(FIND_CLIENT_REFRESH, [input.refreshTokenHash, input.clientId]);
  let found: RefreshRow | undefined;
  if (dialect === 'postgres') {
    // Take the grant lock, then read: a concurrent request may have rotated or revoked the token.
    // Whose grant it is comes from the caller's read before the mint when it has one (a token
    // never changes hands), else from a first read here.
    const zuid = input.zuid ?? (await find())?.zuid;
    if (zuid === undefined) return { outcome: 'unknown' };
    if (!input.rotateTo && input.accessTokenCap >= 1) {
      // The common case: the grant lock, then one statement that checks the grant is live, reads
      // and mints (mint-pg.ts), sent together: one round trip. Should the lock fail (a deadlock
      // between instances), the mint fails after it and the lock's error is the one thrown.
      const locked = q.one(LOCK_ONLY_PG, [grantName(Number(zuid), input.clientId)]);
      const minting = mintPg(q, {
        refreshTokenHash: input.refreshTokenHash,
        clientId: input.clientId,
        zuid: Number(zuid),
        now,
        access: {
          tokenHash: input.access.tokenHash,
          expiresAt: input.access.expiresAt,
          audience: input.access.audience?.length ? joinList(input.access.audience) : null,
          dpopJkt: input.access.dpopJkt ?? null,
        },
        accessTokenCap: input.accessTokenCap,
        throttle: input.throttle && {
          windowEnd: now + input.throttle.windowMs,
          limit: input.throttle.limit,
        },
      });
      const [lock, mint] = await Promise.allSettled([locked, minting]);
      if (lock.status === 'rejected') throw lock.reason;
      if (mint.status === 'rejected') throw mint.reason;
      const minted = mint.value;
      if (minted.outcome === 'unknown') return minted;
      if (minted.outcome === 'throttled')
        return { outcome: 'throttled', retryAfterMs: minted.windowEnd - now };
      if (minted.outcome === 'minted') {
        const result: MintAccessTokenResult = {
          outcome: 'minted',
          refreshToken: { ...toRefreshToken(minted.row), lastUsedAt: now },
          evicted: minted.evicted,
          rotatedOut: 0,
        };
        return minted.notified ? notifiedWith(result) : result;
      }
      found = minted.row;
    } else {
      if (!(await lockGrant(q, dialect, Number(zuid), input.clientId)))
        return { outcome: 'unknown' };
      found = await find();
    }
    if (found && Number(found.zuid) !== Number(zuid)) {
      if (!(await lockGrant(q, dialect, Number(found.zuid), input.clientId)))
        return { outcome: 'unknown' };
      found = await find();
    }
  } else {
    // SQLite runs one transaction at a time, and a refresh token exists only while its client
    // and user do (deleting either deletes it), so this read is final.
    found = await find();
  }
  if (!found) return { outcome: 'unknown' };
  const rt = toRefreshToken(found);
  if (rt.rotatedAt !== null) {
    // A rotated token came back: someone holds a stolen copy. End the whole family.
    await deleteFamily(q, dialect, rt.familyId);
    return { outcome: 'reused-rotated' };
  }
  if (input.throttle) {
    const hit = await q.one<{ count: number; window_end: number }>(HIT_COUNTER, [
      `mint:${rt.id}`,
      now + input.throttle.windowMs,
      now,
    ]);
    const resetAt = Number(hit?.window_end);
    if (Number(hit?.count) > input.throttle.limit)
      return { outcome: 'throttled', retryAfterMs: resetAt - now };
  }
  let tokenId = rt.id;
  let rotatedOut = 0;
  if (input.rotateTo) {
    await q.run(ROTATE_OUT, [now, rt.id]);
    rotatedOut = await q.run(DELETE_ACCESS_OF_REFRESH, [rt.id]);
    const row = await q.one<{ id: number }>(INSERT_REFRESH, [
      input.rotateTo,
      rt.clientId,
      rt.zuid,
      found.scopes,
      rt.familyId,
      found.code_hash,
      now,
      now,
      found.resources ?? null,
      found.dpop_jkt ?? null,
    ]);
    tokenId = Number(row?.id);
  } else {
    await q.run(TOUCH_REFRESH, [now, rt.id]);
  }
  await insertAccess(
    q,
    {
      tokenHash: input.access.tokenHash,
      clientId: rt.clientId,
      zuid: rt.zuid,
      scopes: rt.scopes,
      expiresAt: input.access.expiresAt,
      refreshTokenId: tokenId,
      codeHash: null,
      audience: input.access.audience ?? [],
      dpopJkt: input.access.dpopJkt ?? null,
    },
    now,
  );
  // A rotated-to token holds only the access token just written: no cap to apply (R5.3).
  const evicted =
    input.rotateTo && input.accessTokenCap >= 1
      ? 0
      : await q.run(CAP_ACCESS, [tokenId, now, input.accessTokenCap]);
  return {
    outcome: 'minted',
    refreshToken: { ...rt, id: tokenId, lastUsedAt: now },
    evicted,
    rotatedOut,
  };
}

/** `redeemCode`, the code exchange (store contract in types/grants.ts). */
export async function redeemIn<R>(
  q: SqlRunner,
  dialect: SqlDialect,
  input: RedeemCodeInput<R>,
): Promise<RedeemCodeResult<R>> {
  const { codeHash, now } = input;
  // Read without a lock to learn whose grant it is, then take the grant lock BEFORE the code
  // row's: client deletion and user disabling take the client or user row first and the codes
  // after, so this order cannot deadlock with them.
  const seen = await q.one<AuthCodesTable>(FIND_CODE, [codeHash]);
  if (!seen) return { outcome: 'unknown' };
  if (seen.consumed_at !== null) return { outcome: 'replayed', code: toCode(seen) };
  const live = await lockGrant(q, dialect, Number(seen.zuid), seen.client_id);
  const consumed = await q.one<AuthCodesTable>(CONSUME_CODE, [now, codeHash]);
  // Another exchange consumed it while this one waited for the lock; it has committed.
  if (!consumed) return { outcome: 'replayed', code: toCode(seen) };
  const code: AuthorizationCode = toCode(consumed);
  const decision = input.decide(code);
  if ('refuse' in decision) return { outcome: 'refused', code, reason: decision.refuse };
  if (!live) return { outcome: 'grant-revoked', reason: 'client-deleted-or-user-disabled' };
  const { issue } = decision;
  const written = await writeTokens(q, dialect, {
    now,
    access: {
      tokenHash: issue.access.tokenHash,
      expiresAt: issue.access.expiresAt,
      clientId: code.clientId,
      zuid: code.zuid,
      scopes: code.scopes,
      codeHash,
      audience: issue.access.audience ?? [],
      dpopJkt: issue.access.dpopJkt ?? null,
    },
    refresh: issue.refresh,
    refreshTokenCap: issue.refreshTokenCap,
    ...(issue.refreshTokenOverflow ? { refreshTokenOverflow: issue.refreshTokenOverflow } : {}),
  });
  if (written === 'refresh-cap-reached') return { outcome: written, code };
  return { outcome: 'issued', code, ...written };
}
