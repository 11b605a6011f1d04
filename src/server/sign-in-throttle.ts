/**
 * The sign-in throttle (SPEC R5.5, R5.6): sign-in attempts are counted per account and per client
 * address in the store's fixed-window counters, so the limit holds across instances. An attempt
 * is counted BEFORE its password is checked, by one atomic statement per counter: however many
 * attempts arrive at once, on however many instances, exactly `limit` of them per window get
 * their password checked. A successful attempt then forgets the account's failures and gives
 * the address its count back, so only failures stay counted. The account key is chosen by
 * whoever types the email, which is why the janitor deletes counters whose window has ended
 * (SPEC R15.1).
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

export type SignInReservation = { throttled: false } | { throttled: true; retryAfterMs: number };

/**
 * Counts one sign-in attempt against the account and the address, and says whether it is over
 * either limit (then its password must not be checked). A success is settled with
 * {@link settleSuccessfulSignIn}.
 */
export async function reserveSignIn(
  { store, config }: SignInThrottleOptions,
  email: string,
  ip: string,
  now: number,
): Promise<SignInReservation> {
  if (!config.throttle) return { throttled: false };
  const windowMs = config.loginWindow * 1000;
  const limits = [config.loginLimit, config.loginAddressLimit];
  const counts = await Promise.all(
    keysOf(email, ip).map((k) => store.hitCounter(k, windowMs, now)),
  );
  if (!counts.some((c, i) => c.count > (limits[i] as number))) return { throttled: false };
  return { throttled: true, retryAfterMs: Math.max(...counts.map((c) => c.resetAt - now)) };
}

/**
 * After a successful attempt: forgets the account's failures and gives the address back its
 * count. (A failed attempt needs nothing more: it stays counted.)
 */
export async function settleSuccessfulSignIn(
  { store, config }: SignInThrottleOptions,
  email: string,
  ip: string,
  now: number,
): Promise<void> {
  if (!config.throttle) return;
  const [account, address] = keysOf(email, ip);
  await Promise.all([store.resetCounter(account), store.releaseCounter(address, now)]);
}
