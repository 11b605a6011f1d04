import type { TokenSet } from '../token-set.ts';
import type { TokenStore } from './token-store.ts';

/**
 * A store that keeps tokens in this process only: for tests and short-lived scripts. A
 * restart loses the refresh token, and with it the user's consent.
 */
export function createMemoryStore(initial?: TokenSet): TokenStore {
  let tokens = initial;
  return {
    get: () => Promise.resolve(tokens),
    set: (next) => {
      tokens = next;
      return Promise.resolve();
    },
    delete: () => {
      tokens = undefined;
      return Promise.resolve();
    },
  };
}
