/**
 * Waits for a best-effort write (a revocation's NOTIFY, an audit row) at most `ms`, then lets
 * it finish on its own. Such a write follows an action that is already done: when the database
 * is frozen it must not hold the answer for another statement timeout (SPEC R15.5). Its failure
 * is the caller's to report; here it is only kept from going unhandled.
 */

/** How long an answer waits for a best-effort write when the database is slow. */
export const BEST_EFFORT_WAIT_MS = 500;

export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  try {
    await Promise.race([
      work,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
