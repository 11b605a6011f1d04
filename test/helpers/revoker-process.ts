/**
 * Another process on a SQLite file (SPEC R15.6): opens the store at argv[2] and revokes the access
 * token whose hash each IPC message carries, answering once the revocation is committed.
 * Started by tests with `fork(..., { execArgv: ['--import', 'tsx'] })`.
 */
import { openStore } from '../../src/store/open-store.ts';

const location = process.argv[2];
if (!location || !process.send) throw new Error('usage: fork revoker-process.ts <location>');
const store = await openStore(location, { migrate: false, create: false });
process.on('message', (message: { hash?: string; stop?: boolean }) => {
  void (async () => {
    if (message.stop) {
      await store.close();
      process.disconnect();
      return;
    }
    const revoked = await store.revokeToken(message.hash ?? '');
    process.send?.({ revoked });
  })();
});
process.send({ ready: true });
