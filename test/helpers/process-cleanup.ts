/**
 * Setup file (vitest `setupFiles`): when a test file ends, kill what it started and did not
 * stop, and say so, so that a failing or timed-out test never leaves a server running.
 */
import { afterAll } from 'vitest';
import { stopAllGroups } from './processes.ts';

afterAll(async () => {
  const left = await stopAllGroups();
  if (left > 0) {
    console.warn(`*** ${left} process group(s) were still running at the end of this file ***`);
  }
});
