import { describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';

describe.each(storeKinds)('openStore on $name', (kind) => {
  it('migrates an empty database and answers a ping', async () => {
    const store = await kind.open();
    try {
      await store.ping();
      expect(await store.listUsers()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
