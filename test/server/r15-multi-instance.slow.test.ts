/**
 * SPEC R15.7: three instances on one PostgreSQL schema behind a round-robin proxy keep R4.4 (one
 * winner per code), the caps of R5.2 and R5.3 and the throttles of R5.5 (refresh, codes,
 * sign-ins) exact under 50 concurrent requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/core/passwords.ts';
import { hashSecret } from '../../src/core/ids.ts';
import { storeKinds } from '../helpers/stores.ts';
import { grantFixture, startInstances, type Instances } from '../helpers/instances.ts';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/round-robin-proxy.ts';
import { authorize, authorizeUrl, Browser, hiddenField } from '../helpers/server.ts';

const postgres = storeKinds.find((k) => k.name === 'postgres');
const CONCURRENT = 50;

describe.runIf(postgres)('R15.7 three instances behind a round-robin proxy', () => {
  let tg: Instances;
  let proxy: RoundRobinProxy;
  beforeAll(async () => {
    tg = await startInstances(postgres!, 3, {
      refreshTokenCap: 20,
      accessTokensPerRefresh: 20,
      // Above the access-token cap, so one burst shows both the cap and the throttle exact.
      refreshMintLimit: 30,
      codeLimit: 10,
    });
    proxy = await startRoundRobinProxy(tg.urls);
  });
  afterAll(async () => {
    await proxy.close();
    await tg.stop();
  });

  const burst = <T>(run: (i: number) => Promise<T>): Promise<T[]> =>
    Promise.all(Array.from({ length: CONCURRENT }, (_, i) => run(i)));

  it('R15.7: R4.4 holds: one code exchanged 50 times at once through the proxy has exactly one winner', async () => {
    const fx = await grantFixture(tg.stores[0]!);
    const before = [...proxy.counts];
    const code = await fx.code();
    const results = await burst(() => fx.exchange(proxy.url, code));
    expect(results.filter((r) => typeof r.body.access_token === 'string')).toHaveLength(1);
    // The zoho profile refuses a used code with HTTP 200 and error invalid_code.
    expect(results.filter((r) => r.body.error === 'invalid_code')).toHaveLength(CONCURRENT - 1);
    // Every instance took part.
    expect(proxy.counts.map((n, i) => n - before[i]!).sort()).toEqual([16, 17, 17]);
  });

  it('R15.7: R5.2 holds: 50 code exchanges at once through the proxy leave exactly 20 live refresh tokens', async () => {
    const fx = await grantFixture(tg.stores[0]!);
    const codes = await Promise.all(Array.from({ length: CONCURRENT }, () => fx.code()));
    const results = await burst((i) => fx.exchange(proxy.url, codes[i]!));
    expect(results.filter((r) => typeof r.body.refresh_token === 'string')).toHaveLength(
      CONCURRENT,
    );
    expect(await tg.stores[1]!.countLiveRefreshTokens(fx.user.zuid, fx.client.clientId)).toBe(20);
  });

  it('R15.7: R5.3 and R5.5 hold: 50 refreshes at once mint exactly 30 (the throttle) and leave exactly 20 live (the cap)', async () => {
    const fx = await grantFixture(tg.stores[0]!);
    const first = await fx.exchange(proxy.url, await fx.code());
    const refreshToken = first.body.refresh_token as string;
    const results = await burst(() => fx.refresh(proxy.url, refreshToken));
    const minted = results.filter((r) => typeof r.body.access_token === 'string');
    expect(minted).toHaveLength(30);
    // The zoho profile answers a throttle with HTTP 200 "Access Denied" (SPEC R0).
    expect(results.filter((r) => r.body.error === 'Access Denied')).toHaveLength(CONCURRENT - 30);
    const stored = await tg.stores[2]!.findRefreshToken(hashSecret(refreshToken));
    // 20 of the refreshes' tokens plus none of the code's (evicted first, the oldest).
    expect(await tg.stores[2]!.countLiveAccessTokens(stored!.id, Date.now())).toBe(20);
  });

  it('R15.7: R5.5 holds for codes: 50 authorizations at once through the proxy give exactly 10 codes per client per window', async () => {
    const fx = await grantFixture(tg.stores[0]!);
    const password = 'correct horse battery';
    const created = await tg.stores[0]!.createUser(
      {
        email: `proxy-${Math.random().toString(36).slice(2)}@example.com`,
        passwordHash: await hashPassword(password),
        firstName: 'P',
        lastName: 'R',
        displayName: 'PR',
      },
      Date.now(),
    );
    if (created.outcome !== 'created') throw new Error('user exists already');
    const browser = new Browser(proxy.url);
    const o = { clientId: fx.client.clientId, redirectUri: fx.client.redirectUris[0]! };
    // Sign in and consent once (the first of the ten codes), then 50 at once.
    const firstCode = await authorize(browser, { email: created.user.email, password }, o);
    expect(firstCode.searchParams.get('code')).toMatch(/.+/);
    const results = await burst(async () => {
      const res = await browser.get(authorizeUrl(o));
      return new URL(res.headers.get('location') ?? 'http://invalid/');
    });
    expect(results.filter((u) => u.searchParams.get('code'))).toHaveLength(9);
    expect(results.filter((u) => u.searchParams.get('error') === 'access_denied')).toHaveLength(
      CONCURRENT - 9,
    );
  });

  it('R15.7: R5.5 holds for sign-ins: 50 wrong passwords for one account at once through the proxy get exactly 10 password checks, the rest 429', async () => {
    const browser = new Browser(proxy.url);
    const csrf = hiddenField(await (await browser.get('/login')).text(), '_csrf');
    const email = `guess-${Math.random().toString(36).slice(2)}@example.com`;
    const statuses = await burst(async (i) => {
      const res = await browser.post('/login', {
        _csrf: csrf,
        return_to: '/',
        email,
        password: `wrong-${i}`,
      });
      await res.body?.cancel();
      return res.status;
    });
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(CONCURRENT - 10);
  });

  it('R15.7: the client-authentication throttle holds: 50 wrong secrets at once through the proxy get exactly 20 invalid_client_secret answers', async () => {
    const fx = await grantFixture(tg.stores[0]!);
    const answers = await burst(async (i) => {
      const res = await fetch(`${proxy.url}/oauth/v2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: 'x',
          client_id: fx.client.clientId,
          client_secret: `wrong-${i}`,
        }),
      });
      return ((await res.json()) as { error?: string }).error;
    });
    expect(answers.filter((e) => e === 'invalid_client_secret')).toHaveLength(20);
    // Zoho's throttled answer (SPEC R0).
    expect(answers.filter((e) => e === 'Access Denied')).toHaveLength(CONCURRENT - 20);
  });
});
