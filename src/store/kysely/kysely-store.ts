/**
 * The Store on Kysely, for SQLite (better-sqlite3) and PostgreSQL (pg).
 * Atomic rules are single conditional statements or transactions. On PostgreSQL every transaction
 * that creates or deletes the tokens of a user and client first takes `lockGrant` (see there), so
 * concurrent requests queue instead of both seeing room, and a revocation cascade never misses a
 * token written beside it (SQLite runs one transaction at a time anyway).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { WireProfile } from '../../core/profiles.ts';
import type {
  AccessTokenInfo,
  AdminKey,
  AuthorizationCode,
  Client,
  ClientType,
  ClientUpdate,
  ConnectedApp,
  Consent,
  ConsumeCodeResult,
  CounterResult,
  IssueTokensInput,
  MintAccessTokenInput,
  MintAccessTokenResult,
  NewAccessToken,
  NewClient,
  NewUser,
  RefreshToken,
  Session,
  Store,
  User,
} from '../types.ts';
import type {
  AuthCodesTable,
  ClientsTable,
  Database,
  RefreshTokensTable,
  UsersTable,
} from './schema.ts';
import type { Dialect } from '../migrations/index.ts';
import { generateZuid } from '../../core/ids.ts';
import { TollgateError } from '../../core/errors.ts';
import { KyselySalesIqStore } from './salesiq-store.ts';

type Db = Kysely<Database> | Transaction<Database>;

const splitList = (s: string): string[] => (s.length === 0 ? [] : s.split(' '));
const joinList = (l: readonly string[]): string => l.join(' ');

function toUser(row: UsersTable): User {
  return {
    zuid: Number(row.zuid),
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    disabled: row.disabled === 1,
    createdAt: Number(row.created_at),
  };
}

function toClient(row: ClientsTable): Client {
  return {
    clientId: row.client_id,
    name: row.name,
    domain: row.domain,
    type: row.type as ClientType,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    ownerZuid: row.owner_zuid === null ? null : Number(row.owner_zuid),
    profile: row.profile as WireProfile | null,
    createdAt: Number(row.created_at),
  };
}

function toCode(row: AuthCodesTable): AuthorizationCode {
  return {
    codeHash: row.code_hash,
    clientId: row.client_id,
    zuid: Number(row.zuid),
    scopes: splitList(row.scopes),
    redirectUri: row.redirect_uri,
    offline: row.offline === 1,
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method as AuthorizationCode['codeChallengeMethod'],
    state: row.state,
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
    description: row.description,
  };
}

function toRefreshToken(row: Omit<RefreshTokensTable, 'id'> & { id: number }): RefreshToken {
  return {
    id: Number(row.id),
    clientId: row.client_id,
    zuid: Number(row.zuid),
    scopes: splitList(row.scopes),
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    rotatedAt: row.rotated_at === null ? null : Number(row.rotated_at),
    familyId: row.family_id,
  };
}

export class KyselyStore extends KyselySalesIqStore implements Store {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  private readonly onClose: () => Promise<void>;

  constructor(
    db: Kysely<Database>,
    dialect: Dialect,
    onClose: () => Promise<void> = () => db.destroy(),
  ) {
    super();
    this.db = db;
    this.dialect = dialect;
    this.onClose = onClose;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  close(): Promise<void> {
    return this.onClose();
  }

  /** Serialises transactions that touch the same capped set (PostgreSQL only; see above). */
  private async lock(trx: Transaction<Database>, key: string): Promise<void> {
    if (this.dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
    }
  }

  /**
   * Taken first by every transaction that writes or deletes tokens of one user and client. It
   * queues them one at a time (the caps, rotation and cascades read what they change), and holds
   * the client and user rows in share mode until commit: `deleteClient` and `setUserDisabled`
   * change those rows first, so they wait for tokens being written and those written after them
   * see the client gone or the user disabled. Returns whether the client exists and the user is
   * enabled.
   */
  private async lockGrant(
    trx: Transaction<Database>,
    zuid: number,
    clientId: string,
  ): Promise<boolean> {
    const live = await trx
      .selectFrom(['clients', 'users'])
      .select('users.zuid')
      .where('clients.client_id', '=', clientId)
      .where('users.zuid', '=', zuid)
      .where('users.disabled', '=', 0)
      .$if(this.dialect === 'postgres', (q) => q.forShare())
      .executeTakeFirst();
    await this.lock(trx, `grant:${zuid}:${clientId}`);
    return live !== undefined;
  }

  /** Refuses to write tokens for a client deleted or a user disabled meanwhile. */
  private async requireLiveGrant(
    trx: Transaction<Database>,
    zuid: number,
    clientId: string,
  ): Promise<void> {
    if (!(await this.lockGrant(trx, zuid, clientId))) {
      throw new TollgateError(
        'grant_revoked',
        'The client was deleted or the user disabled while issuing tokens.',
      );
    }
  }

  // ---- users ----

  async createUser(user: NewUser, now: number): Promise<User> {
    for (let attempt = 0; ; attempt++) {
      const row: UsersTable = {
        zuid: generateZuid(),
        email: user.email.toLowerCase(),
        password_hash: user.passwordHash,
        first_name: user.firstName,
        last_name: user.lastName,
        display_name: user.displayName,
        disabled: 0,
        created_at: now,
      };
      const inserted = await this.db
        .insertInto('users')
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return toUser(inserted);
      const taken = await this.db
        .selectFrom('users')
        .select('zuid')
        .where('email', '=', row.email)
        .executeTakeFirst();
      if (taken || attempt >= 5) throw new Error('email_taken');
    }
  }

  async findUserByEmail(email: string): Promise<(User & { passwordHash: string }) | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    return row && { ...toUser(row), passwordHash: row.password_hash };
  }

  async findUser(zuid: number): Promise<User | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('zuid', '=', zuid)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .orderBy('created_at')
      .orderBy('zuid')
      .execute();
    return rows.map(toUser);
  }

  async setUserPassword(zuid: number, passwordHash: string): Promise<boolean> {
    const res = await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('zuid', '=', zuid)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async setUserDisabled(zuid: number, disabled: boolean): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // First, so it waits for tokens being written (see lockGrant) and the deletes below see them.
      const res = await trx
        .updateTable('users')
        .set({ disabled: disabled ? 1 : 0 })
        .where('zuid', '=', zuid)
        .executeTakeFirst();
      if (disabled) {
        // A disabled account keeps nothing live: sign-ins and tokens end now.
        await trx.deleteFrom('sessions').where('zuid', '=', zuid).execute();
        await trx.deleteFrom('auth_codes').where('zuid', '=', zuid).execute();
        await trx.deleteFrom('access_tokens').where('zuid', '=', zuid).execute();
        await trx.deleteFrom('refresh_tokens').where('zuid', '=', zuid).execute();
      }
      return Number(res.numUpdatedRows) > 0;
    });
  }

  // ---- clients ----

  async createClient(client: NewClient, now: number): Promise<Client> {
    const row: ClientsTable = {
      client_id: client.clientId,
      secret_hash: client.secretHash,
      name: client.name,
      domain: client.domain,
      type: client.type,
      redirect_uris: JSON.stringify(client.redirectUris),
      owner_zuid: client.ownerZuid,
      profile: client.profile,
      created_at: now,
    };
    await this.db.insertInto('clients').values(row).execute();
    return toClient(row);
  }

  async findClient(clientId: string): Promise<(Client & { secretHash: string }) | undefined> {
    const row = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row && { ...toClient(row), secretHash: row.secret_hash };
  }

  async listClients(ownerZuid?: number): Promise<Client[]> {
    let q = this.db.selectFrom('clients').selectAll();
    if (ownerZuid !== undefined) q = q.where('owner_zuid', '=', ownerZuid);
    const rows = await q.orderBy('created_at').orderBy('client_id').execute();
    return rows.map(toClient);
  }

  async updateClient(clientId: string, update: ClientUpdate): Promise<Client | undefined> {
    const set: Partial<ClientsTable> = {};
    if (update.name !== undefined) set.name = update.name;
    if (update.domain !== undefined) set.domain = update.domain;
    if (update.redirectUris !== undefined) set.redirect_uris = JSON.stringify(update.redirectUris);
    if (Object.keys(set).length > 0) {
      await this.db.updateTable('clients').set(set).where('client_id', '=', clientId).execute();
    }
    const row = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row && toClient(row);
  }

  async rotateClientSecret(clientId: string, secretHash: string): Promise<boolean> {
    const res = await this.db
      .updateTable('clients')
      .set({ secret_hash: secretHash })
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // First, so it waits for tokens being written (see lockGrant) and the deletes below see them.
      const res = await trx
        .deleteFrom('clients')
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      await trx.deleteFrom('access_tokens').where('client_id', '=', clientId).execute();
      await trx.deleteFrom('refresh_tokens').where('client_id', '=', clientId).execute();
      await trx.deleteFrom('auth_codes').where('client_id', '=', clientId).execute();
      await trx.deleteFrom('consents').where('client_id', '=', clientId).execute();
      return Number(res.numDeletedRows) > 0;
    });
  }

  // ---- codes and tokens ----

  async saveCode(code: AuthorizationCode): Promise<void> {
    await this.db
      .insertInto('auth_codes')
      .values({
        code_hash: code.codeHash,
        client_id: code.clientId,
        zuid: code.zuid,
        scopes: joinList(code.scopes),
        redirect_uri: code.redirectUri,
        offline: code.offline ? 1 : 0,
        code_challenge: code.codeChallenge,
        code_challenge_method: code.codeChallengeMethod,
        state: code.state,
        description: code.description,
        expires_at: code.expiresAt,
        created_at: code.createdAt,
        consumed_at: null,
      })
      .execute();
  }

  async consumeCode(codeHash: string, now: number): Promise<ConsumeCodeResult> {
    const consumed = await this.db
      .updateTable('auth_codes')
      .set({ consumed_at: now })
      .where('code_hash', '=', codeHash)
      .where('consumed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (consumed) return { outcome: 'consumed', code: toCode(consumed) };
    const existing = await this.db
      .selectFrom('auth_codes')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
    return existing ? { outcome: 'replayed', code: toCode(existing) } : { outcome: 'unknown' };
  }

  async revokeTokensFromCode(codeHash: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const code = await trx
        .selectFrom('auth_codes')
        .select(['zuid', 'client_id'])
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      if (code) await this.lockGrant(trx, Number(code.zuid), code.client_id);
      const refresh = await trx
        .selectFrom('refresh_tokens')
        .select('id')
        .where('code_hash', '=', codeHash)
        .execute();
      const ids = refresh.map((r) => Number(r.id));
      let revoked = ids.length;
      if (ids.length > 0) {
        const a = await trx
          .deleteFrom('access_tokens')
          .where('refresh_token_id', 'in', ids)
          .executeTakeFirst();
        revoked += Number(a.numDeletedRows);
        await trx.deleteFrom('refresh_tokens').where('id', 'in', ids).execute();
      }
      const a = await trx
        .deleteFrom('access_tokens')
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      // Forget the code too: an exchange of it still in flight then finds it gone (issueTokens).
      await trx.deleteFrom('auth_codes').where('code_hash', '=', codeHash).execute();
      return revoked + Number(a.numDeletedRows);
    });
  }

  async issueTokens(
    input: IssueTokensInput,
  ): Promise<{ refreshTokenId: number | null; evicted: number }> {
    const { access, refresh, now } = input;
    return this.db.transaction().execute(async (trx) => {
      await this.requireLiveGrant(trx, access.zuid, access.clientId);
      if (access.codeHash !== null) {
        // A replay of the code may have revoked it between consumeCode and now (RFC 6749 §4.1.2).
        const code = await trx
          .selectFrom('auth_codes')
          .select('code_hash')
          .where('code_hash', '=', access.codeHash)
          .executeTakeFirst();
        if (!code)
          throw new TollgateError(
            'grant_revoked',
            'The code was revoked while its tokens were being issued.',
          );
      }
      let refreshTokenId: number | null = null;
      let evicted = 0;
      if (refresh) {
        const row = await trx
          .insertInto('refresh_tokens')
          .values({
            token_hash: refresh.tokenHash,
            client_id: access.clientId,
            zuid: access.zuid,
            scopes: joinList(access.scopes),
            family_id: refresh.familyId,
            code_hash: access.codeHash,
            created_at: now,
            last_used_at: null,
            rotated_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        refreshTokenId = Number(row.id);
        evicted = await this.evictOldRefreshTokens(
          trx,
          access.zuid,
          access.clientId,
          input.refreshTokenCap,
        );
      }
      await this.insertAccessToken(trx, { ...access, refreshTokenId }, now);
      return { refreshTokenId, evicted };
    });
  }

  /** Deletes the oldest live refresh tokens of a user and client beyond the cap (SPEC R5.2). */
  private async evictOldRefreshTokens(
    trx: Transaction<Database>,
    zuid: number,
    clientId: string,
    cap: number,
  ): Promise<number> {
    const live = await trx
      .selectFrom('refresh_tokens')
      .select('id')
      .where('zuid', '=', zuid)
      .where('client_id', '=', clientId)
      .where('rotated_at', 'is', null)
      .orderBy('id', 'desc')
      .execute();
    const doomed = live.slice(cap).map((r) => Number(r.id));
    if (doomed.length === 0) return 0;
    const families = await trx
      .selectFrom('refresh_tokens')
      .select('family_id')
      .where('id', 'in', doomed)
      .execute();
    const familyIds = families.map((f) => f.family_id);
    const familyRows = await trx
      .selectFrom('refresh_tokens')
      .select('id')
      .where('family_id', 'in', familyIds)
      .execute();
    const all = familyRows.map((r) => Number(r.id));
    await trx.deleteFrom('access_tokens').where('refresh_token_id', 'in', all).execute();
    await trx.deleteFrom('refresh_tokens').where('id', 'in', all).execute();
    return doomed.length;
  }

  private async insertAccessToken(db: Db, token: NewAccessToken, now: number): Promise<void> {
    await db
      .insertInto('access_tokens')
      .values({
        token_hash: token.tokenHash,
        client_id: token.clientId,
        zuid: token.zuid,
        scopes: joinList(token.scopes),
        expires_at: token.expiresAt,
        refresh_token_id: token.refreshTokenId,
        code_hash: token.codeHash,
        created_at: now,
      })
      .execute();
  }

  async mintAccessToken(input: MintAccessTokenInput): Promise<MintAccessTokenResult> {
    const { now } = input;
    return this.db.transaction().execute(async (trx): Promise<MintAccessTokenResult> => {
      const findToken = () =>
        trx
          .selectFrom('refresh_tokens')
          .selectAll()
          .where('token_hash', '=', input.refreshTokenHash)
          .where('client_id', '=', input.clientId)
          .executeTakeFirst();
      const unlocked = await findToken();
      if (!unlocked) return { outcome: 'unknown' };
      // On SQLite this transaction runs alone, and a refresh token only exists while its client
      // and user do (deleting either deletes it), so the first read is final. On PostgreSQL take
      // the grant lock, then read again: a concurrent request may have rotated or revoked it.
      let found: typeof unlocked | undefined = unlocked;
      if (this.dialect === 'postgres') {
        if (!(await this.lockGrant(trx, Number(unlocked.zuid), unlocked.client_id)))
          return { outcome: 'unknown' };
        found = await findToken();
        if (!found) return { outcome: 'unknown' };
      }
      const rt = toRefreshToken({ ...found, id: Number(found.id) });
      if (rt.rotatedAt !== null) {
        // A rotated token came back: someone holds a stolen copy. End the whole family.
        const family = await trx
          .selectFrom('refresh_tokens')
          .select('id')
          .where('family_id', '=', rt.familyId)
          .execute();
        const ids = family.map((r) => Number(r.id));
        await trx.deleteFrom('access_tokens').where('refresh_token_id', 'in', ids).execute();
        await trx.deleteFrom('refresh_tokens').where('id', 'in', ids).execute();
        return { outcome: 'reused-rotated' };
      }
      if (input.throttle) {
        const hit = await this.hitCounterIn(trx, `mint:${rt.id}`, input.throttle.windowMs, now);
        if (hit.count > input.throttle.limit)
          return { outcome: 'throttled', retryAfterMs: hit.resetAt - now };
      }
      let tokenId = rt.id;
      if (input.rotateTo) {
        await trx
          .updateTable('refresh_tokens')
          .set({ rotated_at: now, last_used_at: now })
          .where('id', '=', rt.id)
          .execute();
        await trx.deleteFrom('access_tokens').where('refresh_token_id', '=', rt.id).execute();
        const row = await trx
          .insertInto('refresh_tokens')
          .values({
            token_hash: input.rotateTo,
            client_id: rt.clientId,
            zuid: rt.zuid,
            scopes: joinList(rt.scopes),
            family_id: rt.familyId,
            code_hash: found.code_hash,
            created_at: now,
            last_used_at: now,
            rotated_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        tokenId = Number(row.id);
      } else {
        await trx
          .updateTable('refresh_tokens')
          .set({ last_used_at: now })
          .where('id', '=', rt.id)
          .execute();
      }
      await this.insertAccessToken(
        trx,
        {
          tokenHash: input.access.tokenHash,
          clientId: rt.clientId,
          zuid: rt.zuid,
          scopes: rt.scopes,
          expiresAt: input.access.expiresAt,
          refreshTokenId: tokenId,
          codeHash: null,
        },
        now,
      );
      // SPEC R5.3: keep only the newest `cap` live access tokens of this refresh token, in one
      // statement: delete from the (cap+1)-th newest live one down (none if there are fewer).
      await trx
        .deleteFrom('access_tokens')
        .where('refresh_token_id', '=', tokenId)
        .where('id', '<=', (eb) =>
          eb
            .selectFrom('access_tokens')
            .select('id')
            .where('refresh_token_id', '=', tokenId)
            .where('expires_at', '>', now)
            .orderBy('id', 'desc')
            .limit(1)
            .offset(input.accessTokenCap),
        )
        .execute();
      return { outcome: 'minted', refreshToken: { ...rt, id: tokenId, lastUsedAt: now } };
    });
  }

  async saveAccessToken(token: NewAccessToken, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.requireLiveGrant(trx, token.zuid, token.clientId);
      await this.insertAccessToken(trx, token, now);
    });
  }

  async findAccessToken(tokenHash: string): Promise<AccessTokenInfo | undefined> {
    const row = await this.db
      .selectFrom('access_tokens')
      .select(['client_id', 'zuid', 'scopes', 'expires_at', 'refresh_token_id'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return (
      row && {
        clientId: row.client_id,
        zuid: Number(row.zuid),
        scopes: splitList(row.scopes),
        expiresAt: Number(row.expires_at),
        refreshTokenId: row.refresh_token_id === null ? null : Number(row.refresh_token_id),
      }
    );
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toRefreshToken({ ...row, id: Number(row.id) });
  }

  async revokeToken(
    tokenHash: string,
    clientId?: string,
  ): Promise<'refresh' | 'access' | 'unknown'> {
    return this.db.transaction().execute(async (trx) => {
      let rq = trx
        .selectFrom('refresh_tokens')
        .select(['zuid', 'client_id', 'family_id'])
        .where('token_hash', '=', tokenHash);
      if (clientId !== undefined) rq = rq.where('client_id', '=', clientId);
      const rt = await rq.executeTakeFirst();
      if (rt) {
        // The family is read under the lock, so a rotation racing with this revocation is included.
        await this.lockGrant(trx, Number(rt.zuid), rt.client_id);
        const family = await trx
          .selectFrom('refresh_tokens')
          .select('id')
          .where('family_id', '=', rt.family_id)
          .execute();
        const ids = family.map((r) => Number(r.id));
        // Empty when a concurrent request revoked the family while this one waited for the lock.
        if (ids.length > 0) {
          await trx.deleteFrom('access_tokens').where('refresh_token_id', 'in', ids).execute();
          await trx.deleteFrom('refresh_tokens').where('id', 'in', ids).execute();
          return 'refresh';
        }
      }
      let aq = trx.deleteFrom('access_tokens').where('token_hash', '=', tokenHash);
      if (clientId !== undefined) aq = aq.where('client_id', '=', clientId);
      const res = await aq.executeTakeFirst();
      return Number(res.numDeletedRows) > 0 ? 'access' : 'unknown';
    });
  }

  async countLiveRefreshTokens(zuid: number, clientId: string): Promise<number> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('zuid', '=', zuid)
      .where('client_id', '=', clientId)
      .where('rotated_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countLiveAccessTokens(refreshTokenId: number, now: number): Promise<number> {
    const row = await this.db
      .selectFrom('access_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('refresh_token_id', '=', refreshTokenId)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  // ---- consents and connected apps ----

  async findConsent(zuid: number, clientId: string): Promise<Consent | undefined> {
    const row = await this.db
      .selectFrom('consents')
      .selectAll()
      .where('zuid', '=', zuid)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return (
      row && {
        zuid: Number(row.zuid),
        clientId: row.client_id,
        scopes: splitList(row.scopes),
        grantedAt: Number(row.granted_at),
        updatedAt: Number(row.updated_at),
      }
    );
  }

  async recordConsent(
    zuid: number,
    clientId: string,
    scopes: string[],
    now: number,
  ): Promise<{ first: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      await this.lock(trx, `consent:${zuid}:${clientId}`);
      const existing = await trx
        .selectFrom('consents')
        .select('scopes')
        .where('zuid', '=', zuid)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      if (!existing) {
        await trx
          .insertInto('consents')
          .values({
            zuid,
            client_id: clientId,
            scopes: joinList(scopes),
            granted_at: now,
            updated_at: now,
          })
          .execute();
        return { first: true };
      }
      const merged = [...new Set([...splitList(existing.scopes), ...scopes])];
      await trx
        .updateTable('consents')
        .set({ scopes: joinList(merged), updated_at: now })
        .where('zuid', '=', zuid)
        .where('client_id', '=', clientId)
        .execute();
      return { first: false };
    });
  }

  async listConnectedApps(zuid: number): Promise<ConnectedApp[]> {
    const rows = await this.db
      .selectFrom('consents')
      .innerJoin('clients', 'clients.client_id', 'consents.client_id')
      .selectAll('clients')
      .select(['consents.scopes as granted_scopes', 'consents.granted_at', 'consents.updated_at'])
      .select((eb) => [
        eb
          .selectFrom('refresh_tokens')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('refresh_tokens.client_id', '=', 'consents.client_id')
          .whereRef('refresh_tokens.zuid', '=', 'consents.zuid')
          .where('refresh_tokens.rotated_at', 'is', null)
          .as('live_refresh'),
        eb
          .selectFrom('refresh_tokens')
          .select((e) => e.fn.max('refresh_tokens.last_used_at').as('m'))
          .whereRef('refresh_tokens.client_id', '=', 'consents.client_id')
          .whereRef('refresh_tokens.zuid', '=', 'consents.zuid')
          .as('last_used'),
      ])
      .where('consents.zuid', '=', zuid)
      .orderBy('consents.granted_at', 'desc')
      .execute();
    return rows.map((r) => ({
      client: toClient(r),
      scopes: splitList(r.granted_scopes),
      grantedAt: Number(r.granted_at),
      lastUsedAt: r.last_used === null || r.last_used === undefined ? null : Number(r.last_used),
      liveRefreshTokens: Number(r.live_refresh ?? 0),
    }));
  }

  async removeConnectedApp(zuid: number, clientId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await this.lockGrant(trx, zuid, clientId);
      await trx
        .deleteFrom('access_tokens')
        .where('zuid', '=', zuid)
        .where('client_id', '=', clientId)
        .execute();
      await trx
        .deleteFrom('refresh_tokens')
        .where('zuid', '=', zuid)
        .where('client_id', '=', clientId)
        .execute();
      await trx
        .deleteFrom('auth_codes')
        .where('zuid', '=', zuid)
        .where('client_id', '=', clientId)
        .execute();
      const res = await trx
        .deleteFrom('consents')
        .where('zuid', '=', zuid)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  // ---- admin keys ----

  async createAdminKey(key: AdminKey & { keyHash: string }): Promise<void> {
    await this.db
      .insertInto('admin_keys')
      .values({
        id: key.id,
        key_hash: key.keyHash,
        label: key.label,
        created_at: key.createdAt,
        last_used_at: key.lastUsedAt,
      })
      .execute();
  }

  async useAdminKey(keyHash: string, now: number): Promise<AdminKey | undefined> {
    const row = await this.db
      .selectFrom('admin_keys')
      .selectAll()
      .where('key_hash', '=', keyHash)
      .executeTakeFirst();
    if (!row) return undefined;
    await this.db
      .updateTable('admin_keys')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .execute();
    return { id: row.id, label: row.label, createdAt: Number(row.created_at), lastUsedAt: now };
  }

  // ---- sessions ----

  async createSession(idHash: string, session: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: idHash,
        zuid: session.zuid,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
      })
      .execute();
  }

  async findSession(idHash: string, now: number): Promise<Session | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.zuid', 'sessions.zuid')
      .select(['sessions.zuid', 'sessions.created_at', 'sessions.expires_at'])
      .where('sessions.id_hash', '=', idHash)
      .where('sessions.expires_at', '>', now)
      .where('users.disabled', '=', 0)
      .executeTakeFirst();
    return (
      row && {
        zuid: Number(row.zuid),
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
      }
    );
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  // ---- counters ----

  private async hitCounterIn(
    db: Db,
    key: string,
    windowMs: number,
    now: number,
  ): Promise<CounterResult> {
    const row = await db
      .insertInto('counters')
      .values({ key, window_end: now + windowMs, count: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when counters.window_end <= ${now} then 1 else counters.count + 1 end`,
          window_end: sql<number>`case when counters.window_end <= ${now} then ${now + windowMs} else counters.window_end end`,
        }),
      )
      .returning(['count', 'window_end'])
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), resetAt: Number(row.window_end) };
  }

  hitCounter(key: string, windowMs: number, now: number): Promise<CounterResult> {
    return this.hitCounterIn(this.db, key, windowMs, now);
  }

  async peekCounter(key: string, now: number): Promise<CounterResult> {
    const row = await this.db
      .selectFrom('counters')
      .select(['count', 'window_end'])
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row || Number(row.window_end) <= now) return { count: 0, resetAt: now };
    return { count: Number(row.count), resetAt: Number(row.window_end) };
  }

  async resetCounter(key: string): Promise<void> {
    await this.db.deleteFrom('counters').where('key', '=', key).execute();
  }
}
