/**
 * The validated access-token cache (SPEC R15.6, `--token-cache-ttl`): a token found live in the
 * store is remembered for a few seconds, so user info and APIs skip the read; so are the users of
 * cached tokens and the clients that authenticate (SPEC R16; a client write signals too). Revocation stays
 * immediate: the store tells this cache of every revocation (in this process before the revoking
 * call returns; on PostgreSQL from every instance through LISTEN/NOTIFY; on SQLite, any commit by
 * another process, checked before the lookups of each batch of requests: see {@link
 * TokenCache.arrived}), and the cache then forgets everything. While the listening connection is
 * down it is bypassed entirely.
 */
import type { AccessTokenInfo, Client, RevocationListener, User } from '../store/types.ts';

/** A client as client authentication reads it: with the hash of its secret. */
export type ClientWithSecret = Client & { secretHash: string };

/** Entries before the cache starts over (a few megabytes at most). */
const DEFAULT_MAX_ENTRIES = 10_000;

interface Entry<V> {
  info: V;
  until: number;
}

export interface TokenCacheOptions {
  ttlMs: number;
  now: () => number;
  maxEntries?: number;
  /**
   * Called before a lookup while the cache is used; it calls `revoked()` if a revocation may
   * have happened unheard (the store's `pollRevocations`: another process on a SQLite file).
   * Once per batch of requests read together when the server reports them ({@link
   * TokenCache.arrived}), else before every lookup.
   */
  poll?: () => void;
}

/** Validated tokens by hash; a {@link RevocationListener} of the store. */
export class TokenCache implements RevocationListener {
  private readonly entries = new Map<string, Entry<AccessTokenInfo>>();
  /**
   * The users of cached tokens, by ZUID (user info reads one per request). A user row changes
   * only by being disabled or getting a new password, and both are revocations (SPEC R15.6):
   * they empty this map with the tokens.
   */
  private readonly users = new Map<number, Entry<User>>();
  /**
   * Clients by id, for client authentication (SPEC R16). Every store operation that writes a
   * client row (secret rotation, deletion, any edit) signals like a revocation, so a changed
   * client is read again at once, in every process.
   */
  private readonly clients = new Map<string, Entry<ClientWithSecret>>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly poll: (() => void) | undefined;
  /** Bumped by every revocation: a lookup begun before one must not store what it read. */
  private generation = 0;
  private hearing = false;
  /** A batch of requests read by one I/O poll is being handled (see {@link arrived}). */
  private batchOpen = false;
  /** `poll` ran after the current batch's first request arrived. */
  private polledInBatch = false;
  private readonly closeBatch = (): void => {
    this.batchOpen = false;
    this.polledInBatch = false;
  };

  constructor(options: TokenCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.now = options.now;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.poll = options.poll;
  }

  /** Whether the cache is used now (revocations elsewhere are heard). */
  get active(): boolean {
    return this.hearing;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Called by the HTTP server as each request arrives (its `request` event), so `poll` runs once
   * per batch of requests instead of before every lookup (SPEC R15.6, R16: on SQLite it is a
   * `PRAGMA data_version`, about as dear as the rest of a cached lookup).
   *
   * Why that still refuses every request sent after another process's revocation committed: a
   * revocation need only be seen by the requests that follow it. Node reads requests in the I/O
   * phase of an event-loop turn, after `epoll_wait` (or its like) returned, and every request
   * read in that phase was already waiting in the kernel when it returned (a read that fills
   * libuv's 64 KB buffer reads on, but only a pipelining client sends that much, and it sent it
   * before it could learn of a revocation). The first request of the phase opens the batch; the
   * batch's first lookup polls after that arrival, so after every request read so far was sent.
   * The batch closes in the same turn's check phase (a `setImmediate` made in the I/O phase runs
   * before the next poll), so every lookup it covers (in the I/O phase, or after a write's
   * commit in the check phase) serves a request read before the next poll; the next turn's
   * requests poll again. Lookups while no batch is open (from a timer, or for `app.inject`,
   * which emits no `request` event) poll every time, as before. One case is looser: an HTTP/1.1
   * pipelined request whose parsing Node resumed after back-pressure can arrive outside the I/O
   * phase, and its batch then stays open until the next turn's check phase; a request of that
   * turn could miss a revocation committed in the microseconds between the poll and that turn's
   * `epoll_wait`.
   */
  arrived(): void {
    if (this.batchOpen) return;
    this.batchOpen = true;
    setImmediate(this.closeBatch);
  }

  /** `poll`, unless it already ran in the open batch of requests. */
  private pollOnce(): void {
    if (this.polledInBatch) return;
    this.poll?.();
    if (this.batchOpen) this.polledInBatch = true;
  }

  revoked(): void {
    this.generation++;
    this.entries.clear();
    this.users.clear();
    this.clients.clear();
  }

  listening(up: boolean): void {
    // Whatever was revoked while deaf is unknown: start empty either way.
    this.revoked();
    this.hearing = up;
  }

  /**
   * The token's info, from the cache while it is fresh and the cache is active, else from
   * `read` (the store), remembered when live; when `read` joined the token's user
   * (`AccessTokenWithUser`), the user is remembered too.
   */
  lookup<I extends AccessTokenInfo>(
    hash: string,
    read: (hash: string) => Promise<I | undefined>,
  ): Promise<AccessTokenInfo | undefined> {
    return this.through(this.entries, hash, read, this.keepToken);
  }

  /** A user, from the cache while fresh and the cache is active, else from `read` (the store). */
  user(zuid: number, read: (zuid: number) => Promise<User | undefined>): Promise<User | undefined> {
    return this.through(this.users, zuid, read, this.keepUser);
  }

  /**
   * A client with its secret hash, from the cache while fresh and the cache is active, else from
   * `read` (the store), remembered when found (an unknown id is never remembered). The entry is
   * frozen: every request shares it.
   */
  client(
    clientId: string,
    read: (clientId: string) => Promise<ClientWithSecret | undefined>,
  ): Promise<ClientWithSecret | undefined> {
    return this.through(this.clients, clientId, read, this.keepClient);
  }

  /**
   * The token's info if the cache holds it fresh and is active, at once (no promise: a cached
   * lookup then costs no turn of the microtask queue, SPEC R16); else undefined, and the caller
   * reads it with {@link readToken}.
   */
  fresh(hash: string): AccessTokenInfo | undefined {
    return this.hit(this.entries, hash);
  }

  /**
   * After {@link fresh} missed, in the same synchronous stretch: `read`, remembered as by
   * {@link lookup} (the cache was polled and looked at once already).
   */
  readToken<I extends AccessTokenInfo>(
    hash: string,
    read: (hash: string) => Promise<I | undefined>,
  ): Promise<AccessTokenInfo | undefined> {
    return this.readAndKeep(this.entries, hash, read, this.keepToken);
  }

  /** A fresh entry of `shelf` while the cache is active (polled first); a stale one is dropped. */
  private hit<K, V>(shelf: Map<K, Entry<V>>, key: K): V | undefined {
    if (!this.hearing) return undefined;
    this.pollOnce();
    const hit = shelf.get(key);
    if (hit === undefined) return undefined;
    if (hit.until > this.now()) return hit.info;
    shelf.delete(key);
    return undefined;
  }

  /** The one read-through of the three shelves: a fresh entry, else {@link readAndKeep}. */
  private async through<K, V>(
    shelf: Map<K, Entry<V>>,
    key: K,
    read: (key: K) => Promise<V | undefined>,
    keep: (key: K, value: V, now: number) => void,
  ): Promise<V | undefined> {
    return this.hit(shelf, key) ?? this.readAndKeep(shelf, key, read, keep);
  }

  /**
   * `read`, whose answer `keep` may shelve unless a revocation came in meanwhile (it could be
   * stale) or the cache went deaf.
   */
  private async readAndKeep<K, V>(
    shelf: Map<K, Entry<V>>,
    key: K,
    read: (key: K) => Promise<V | undefined>,
    keep: (key: K, value: V, now: number) => void,
  ): Promise<V | undefined> {
    if (!this.hearing) return read(key);
    const now = this.now();
    const generation = this.generation;
    const value = await read(key);
    if (value !== undefined && this.hearing && generation === this.generation)
      keep(key, value, now);
    return value;
  }

  private shelve<K, V>(shelf: Map<K, Entry<V>>, key: K, info: V, until: number): void {
    if (shelf.size >= this.maxEntries) shelf.clear();
    shelf.set(key, { info, until });
  }

  private readonly keepToken = (hash: string, info: AccessTokenInfo, now: number): void => {
    if (info.expiresAt <= now) return;
    this.shelve(this.entries, hash, info, Math.min(now + this.ttlMs, info.expiresAt));
    // A joined read (user info, SPEC R16) brought the user too: keep it beside the token.
    const user = (info as { user?: User }).user;
    if (user) this.keepUser(user.zuid, user, now);
  };

  private readonly keepUser = (zuid: number, user: User, now: number): void => {
    this.shelve(this.users, zuid, user, now + this.ttlMs);
  };

  private readonly keepClient = (id: string, client: ClientWithSecret, now: number): void => {
    Object.freeze(client.redirectUris);
    if (client.dataCentres) Object.freeze(client.dataCentres);
    this.shelve(this.clients, id, Object.freeze(client), now + this.ttlMs);
  };
}
