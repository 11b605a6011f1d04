import type { TokenSet } from '../token-set.ts';

/**
 * Where a client keeps one user's tokens. Implement it to keep tokens in Redis, SQL or a
 * secrets manager:
 *
 * - `get` returns what the last `set` stored, or `undefined`; it must never return half a write.
 * - `set` replaces the tokens atomically; `delete` forgets them (a no-op when absent).
 * - `lock`, when present, runs `task` while holding an exclusive lock shared by every process
 *   using the same underlying storage (e.g. Redis `SET key NX PX`, a SQL advisory lock, a lock
 *   file). The client refreshes inside it and re-reads the store first, so a fleet of workers
 *   makes one refresh request instead of one each. Without `lock`, refreshes are single-flight
 *   within a process only.
 *
 * Values are plain JSON (see {@link TokenSet}); store them encrypted or with tight permissions:
 * a refresh token never expires on its own.
 */
export interface TokenStore {
  get(): Promise<TokenSet | undefined>;
  set(tokens: TokenSet): Promise<void>;
  delete(): Promise<void>;
  lock?<T>(task: () => Promise<T>): Promise<T>;
}
