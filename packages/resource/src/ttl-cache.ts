/**
 * A small bounded cache with per-entry expiry and least-recently-used eviction, for validated
 * tokens. Its lifetime is the staleness the operator accepts (SPEC R5.6): a revoked token may be
 * accepted for at most that long after its revocation.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  /**
   * @param maxEntries the most entries kept; the least recently used go first.
   * @param ttlMs how long an entry lives after it was stored.
   */
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The live value for a key, or undefined. A hit becomes the most recently used. */
  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores a value until `now + ttl`, or until `notAfter` when that is sooner. */
  set(key: string, value: V, now: number, notAfter = Infinity): void {
    const expiresAt = Math.min(now + this.ttlMs, notAfter);
    if (expiresAt <= now || this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
