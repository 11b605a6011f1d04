/**
 * The store's part of SPEC R14.3 and R14.4: initial access tokens by hash with expiry, what
 * RFC 7592 reads of a client, and the metadata-document client upsert that never touches a
 * client made another way. SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewClient, Store } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { HOUR, NOW, addClient, hash } from './fixtures.ts';

const DOC_URL = 'https://app.example.com/oauth/client.json';

function documentClient(overrides: Partial<NewClient> = {}): NewClient {
  return {
    clientId: DOC_URL,
    secretHash: hash(),
    name: 'Doc App',
    domain: 'https://app.example.com',
    type: 'mobile',
    redirectUris: ['http://127.0.0.1/callback'],
    ownerZuid: null,
    profile: null,
    clientMetadata: '{"client_name":"Doc App"}',
    ...overrides,
  };
}

describe.each(storeKinds)('R14.3/R14.4 registration store on $name', (kind) => {
  let store: Store;
  beforeEach(async () => {
    store = await kind.open();
  });
  afterEach(() => store.close());

  it('R14.3: an initial access token is found by its hash until it expires; one without expiry stays', async () => {
    const timed = hash();
    const forever = hash();
    await store.createRegistrationToken({
      tokenHash: timed,
      label: 'a',
      createdAt: NOW,
      expiresAt: NOW + HOUR,
    });
    await store.createRegistrationToken({
      tokenHash: forever,
      label: 'b',
      createdAt: NOW,
      expiresAt: null,
    });
    expect(await store.findRegistrationToken(timed, NOW)).toEqual({
      label: 'a',
      createdAt: NOW,
      expiresAt: NOW + HOUR,
    });
    expect(await store.findRegistrationToken(timed, NOW + HOUR)).toBeUndefined();
    expect(await store.findRegistrationToken(forever, NOW + 1000 * HOUR)).toEqual({
      label: 'b',
      createdAt: NOW,
      expiresAt: null,
    });
    expect(await store.findRegistrationToken(hash(), NOW)).toBeUndefined();
  });

  it('R14.3: findClientRegistration returns the token hash and metadata of a dynamic client, null for a console client', async () => {
    const tokenHash = hash();
    await store.createClient(
      {
        ...documentClient(),
        clientId: '1000.DYNAMICDYNAMICDYNAMICDYNAMICDY',
        registration: 'dynamic',
        registrationTokenHash: tokenHash,
        clientMetadata: '{"x":1}',
      },
      NOW,
    );
    const record = await store.findClientRegistration('1000.DYNAMICDYNAMICDYNAMICDYNAMICDY');
    expect(record?.registrationTokenHash).toBe(tokenHash);
    expect(record?.clientMetadata).toBe('{"x":1}');
    expect(record?.client.registration).toBe('dynamic');
    const manual = await addClient(store);
    expect(await store.findClientRegistration(manual.clientId)).toMatchObject({
      registrationTokenHash: null,
      clientMetadata: null,
    });
    expect(await store.findClientRegistration('1000.NONE')).toBeUndefined();
    await store.updateClient('1000.DYNAMICDYNAMICDYNAMICDYNAMICDY', { clientMetadata: '{"x":2}' });
    expect(
      (await store.findClientRegistration('1000.DYNAMICDYNAMICDYNAMICDYNAMICDY'))?.clientMetadata,
    ).toBe('{"x":2}');
  });

  it('R14.4: a metadata-document client is created once and then updated in place', async () => {
    const first = await store.saveMetadataDocumentClient(documentClient(), NOW);
    expect(first).toMatchObject({
      clientId: DOC_URL,
      registration: 'metadata-document',
      name: 'Doc App',
      createdAt: NOW,
    });
    const second = await store.saveMetadataDocumentClient(
      documentClient({
        name: 'Doc App 2',
        redirectUris: ['https://app.example.com/cb'],
        type: 'client',
      }),
      NOW + HOUR,
    );
    expect(second).toMatchObject({
      clientId: DOC_URL,
      name: 'Doc App 2',
      redirectUris: ['https://app.example.com/cb'],
      type: 'client',
      createdAt: NOW,
    });
    expect((await store.listClients()).filter((c) => c.clientId === DOC_URL)).toHaveLength(1);
  });

  it('R14.4: the upsert never overwrites a client registered another way', async () => {
    const manual = await addClient(store);
    const result = await store.saveMetadataDocumentClient(
      documentClient({ clientId: manual.clientId, name: 'Hijack' }),
      NOW,
    );
    expect(result).toBeUndefined();
    expect((await store.findClient(manual.clientId))?.name).toBe('Demo App');
  });
});
