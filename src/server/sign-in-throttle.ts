/**
 * The sign-in throttle (SPEC R5.5): failed sign-ins are counted per account and per client
 * address in the store's fixed-window counters, so the limit holds across instances. The account
 * key is chosen by whoever types the email, which is why the janitor deletes counters whose
 * window has ended (SPEC R15.1).
 */
import type { Config } from '../core/config.ts';
import type { CounterStore } from '../store/types.ts';

/** What the throttle needs: the counters and the configured limits. */
export interface SignInThrottleOptions {
  store: CounterStore;
  config: Pick<Config, 'throttle' | 'loginLimit' | 'loginAddressLimit' | 'loginWindow'>;
}

function keysOf(email: string, ip: string): [string, string] {
  return [`login:acct:${email.toLowerCase()}`, `login:addr:${ip}`];
}

/** Whether sign-ins for this email or from this address are throttled now, and for how long. */
export async function checkSignInThrottle(
  { store, config }: SignInThrottleOptions,
  email: string,
  ip: string,
  now: number,
): Promise<{ throttled: false } | { throttled: true; retryAfterMs: number }> {
  if (!config.throttle) return { throttled: false };
  const limits = [config.loginLimit, config.loginAddressLimit];
  const counts = await Promise.all(keysOf(email, ip).map((k) => store.peekCounter(k, now)));
  if (!counts.some((c, i) => c.count >= (limits[i] as number))) return { throttled: false };
  return { throttled: true, retryAfterMs: Math.max(...counts.map((c) => c.resetAt - now)) };
}

/** Counts one failed sign-in against the account and the address. */
export async function recordFailedSignIn(
  { store, config }: SignInThrottleOptions,
  email: string,
  ip: string,
  now: number,
): Promise<void> {
  if (!config.throttle) return;
  const windowMs = config.loginWindow * 1000;
  await Promise.all(keysOf(email, ip).map((k) => store.hitCounter(k, windowMs, now)));
}

/** A successful sign-in forgets the account's failures (the address keeps its count). */
export async function clearSignInFailures(
  { store }: SignInThrottleOptions,
  email: string,
): Promise<void> {
  await store.resetCounter(keysOf(email, '')[0]);
}
