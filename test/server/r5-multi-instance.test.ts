/**
 * SPEC R5.6: every cap and throttle holds exactly when several Tollgate instances share one
 * PostgreSQL database, because counters and caps live in the store.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import { hashSecret } from '../../src/core/ids.ts';
import { buildApp } from '../../src/server/app.ts';
import { openStore } from '../../src/store/open-store.ts';
import { grantFixture } from '../helpers/instances.ts';
import { storeKinds } from '../helpers/stores.ts';

const postgres = storeKinds.find((k) => k.name === 'postgres');

describe.runIf(postgres)('R5.6 several instances on one PostgreSQL database', () => {
  it('R5.6: the access-token cap, the refresh throttle and single-use codes hold across two instances', async () => {
    const { location, cleanup } = await (postgres as NonNullable<typeof postgres>).location();
    const stores = [await openStore(location), await openStore(location)];
    const apps = await Promise.all(
      stores.map((s) => buildApp(parseConfig({ logLevel: 'silent' }), s)),
    );
    try {
      const urls = await Promise.all(apps.map((a) => a.listen({ port: 0, host: '127.0.0.1' })));
      const store = stores[0] as (typeof stores)[number];
      const { user, client, code, exchange, refresh } = await grantFixture(store);

      const shared = await code();
      const races = await Promise.all(
        Array.from({ length: 50 }, (_, i) => exchange(urls[i % 2] as string, shared)),
      );
      expect(races.filter((r) => r.body.access_token).length).toBe(1);

      const first = await exchange(urls[0] as string, await code());
      const refreshToken = first.body.refresh_token as string;
      const mints = await Promise.all(
        Array.from({ length: 50 }, (_, i) => refresh(urls[i % 2] as string, refreshToken)),
      );
      expect(mints.filter((r) => r.body.access_token).length).toBe(10);
      expect(mints.filter((r) => r.body.error === 'Access Denied').length).toBe(40);

      const codes = await Promise.all(Array.from({ length: 30 }, code));
      await Promise.all(codes.map((c, i) => exchange(urls[i % 2] as string, c)));
      expect(await store.countLiveRefreshTokens(user.zuid, client.clientId)).toBe(20);
      const rt = await store.findRefreshToken(hashSecret(refreshToken));
      expect(rt).toBeUndefined();
    } finally {
      await Promise.all(apps.map((a) => a.close()));
      await Promise.all(stores.map((s) => s.close()));
      await cleanup();
    }
  });
});
