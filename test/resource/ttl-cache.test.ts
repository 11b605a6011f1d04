/** SPEC R5.6: the validation cache is bounded in size and in staleness. */
import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../packages/resource/src/ttl-cache.ts';

describe('R5.6: TtlCache', () => {
  it('forgets an entry after its lifetime, or sooner at notAfter', () => {
    const cache = new TtlCache<string>(10, 1000);
    cache.set('a', 'A', 0);
    cache.set('b', 'B', 0, 500);
    expect(cache.get('a', 999)).toBe('A');
    expect(cache.get('b', 499)).toBe('B');
    expect(cache.get('b', 500)).toBeUndefined();
    expect(cache.get('a', 1000)).toBeUndefined();
  });

  it('holds at most maxEntries, evicting the least recently used', () => {
    const cache = new TtlCache<number>(3, 10_000);
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i, 0);
    expect(cache.get('a', 1)).toBe(0);
    cache.set('d', 3, 1);
    expect(cache.size).toBe(3);
    expect(cache.get('b', 2)).toBeUndefined();
    expect(cache.get('a', 2)).toBe(0);
    expect(cache.get('d', 2)).toBe(3);
  });

  it('a lifetime of 0 stores nothing', () => {
    const cache = new TtlCache<number>(3, 0);
    cache.set('a', 1, 0);
    expect(cache.size).toBe(0);
  });
});
