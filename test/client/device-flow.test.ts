/**
 * The client SDK's device flow against Tollgate (SPEC R13.2): `startDeviceAuthorization` and
 * `pollDeviceAuthorization` obtain and store tokens, follow `other_dc` to the person's data
 * centre (two data centres, `dc` and `accountsUrls`), and reject with the server's
 * `access_denied`. A one-second interval keeps the real-time polling short.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createMemoryStore, OAuthError } from '@tollgate/client';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';
import { answerOnPage, SCOPE } from '../helpers/device.ts';

describe('R13.2 @tollgate/client device flow', () => {
  let tg: TollgateHandle;
  let us: string;
  let eu: string;
  beforeAll(async () => {
    tg = await startTollgate({ dataCentres: ['us', 'eu'], deviceInterval: 1 });
    us = tg.locations.us as string;
    eu = tg.locations.eu as string;
  });
  afterAll(() => tg.stop());

  const clientFor = async () => {
    const app = await tg.createClient();
    const store = createMemoryStore();
    const client = createClient({
      dc: 'us',
      accountsUrls: { us, eu },
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      scopes: [SCOPE],
      store,
    });
    return { client, store };
  };

  it('R13.2: a person of eu approves at us; the SDK follows other_dc to eu and stores eu tokens', async () => {
    const { client, store } = await clientFor();
    const person = await tg.createUser({ dc: 'eu' });
    const started = await client.startDeviceAuthorization({ accessType: 'offline' });
    expect(started.intervalMs).toBe(1000);
    expect(started.verificationUrl).toBe(`${us}/oauth/v3/device`);
    expect(started.accountsServer).toBe(us);
    await answerOnPage(us, person, started.userCode);
    const tokens = await client.pollDeviceAuthorization(started);
    expect(tokens).toMatchObject({
      accountsServer: eu,
      location: 'eu',
      apiDomain: eu,
      scopes: [SCOPE],
      refreshToken: expect.stringMatching(/^1000\./),
    });
    expect((await store.get())?.accessToken).toBe(tokens.accessToken);
    expect((await client.userInfo()).Email).toBe(person.email);
  });

  it('R13.2: a denial rejects with the OAuthError access_denied', async () => {
    const { client } = await clientFor();
    const started = await client.startDeviceAuthorization();
    let pending = 0;
    const polling = client.pollDeviceAuthorization(started, { onPending: () => pending++ });
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await answerOnPage(us, await tg.createUser(), started.userCode, 'deny');
    const error = await polling.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).error).toBe('access_denied');
    expect(pending).toBeGreaterThanOrEqual(1);
  });
});
