/**
 * The one source of time (SPEC R12.1). Every rule that involves time (code, token, session and
 * device-code lifetimes, throttle windows, `last used` dates, dates on pages) reads a {@link Clock};
 * nothing else in src/ calls `Date.now()` (a lint rule keeps it so). The emulator's clock can be
 * moved forward, set, and returned to real time.
 */

/** Where the time comes from, in Unix milliseconds. */
export interface Clock {
  now(): number;
}

/** Real time. */
export const systemClock: Clock = { now: () => Date.now() };

/** Real time plus an offset that tests and the emulator control (`/_emulator/clock`). */
export class EmulatorClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  /** How far the clock is from real time. */
  get offsetMs(): number {
    return this.offset;
  }

  /** Moves the clock forward (or back) by `ms`. */
  advance(ms: number): void {
    this.offset += ms;
  }

  /** Sets the clock to an instant; it keeps running from there. */
  set(epochMs: number): void {
    this.offset = epochMs - Date.now();
  }

  /** Back to real time. */
  reset(): void {
    this.offset = 0;
  }
}

/** Seconds in each unit of a duration like `1h`. */
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Seconds from a number of seconds, or text: `90`, `90s`, `5m`, `1h`, `2d`, or a sum (`1h30m`);
 * undefined for anything else (negative, not finite, unknown unit).
 */
export function readDuration(duration: number | string): number | undefined {
  if (typeof duration === 'number')
    return Number.isFinite(duration) && duration >= 0 ? duration : undefined;
  const text = duration.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)([smhd])/g))
    total += Number(n) * (UNIT_SECONDS[unit ?? 's'] ?? 1);
  return total;
}
