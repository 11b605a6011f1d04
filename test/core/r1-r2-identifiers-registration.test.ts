/** SPEC R1 (identifier formats, hashes only) and R2 (registration rules). */
import { describe, expect, it } from 'vitest';
import {
  CLIENT_ID_PATTERN,
  generateClientId,
  generateClientSecret,
  generateToken,
  hashSecret,
  safeEqual,
  TOKEN_PATTERN,
} from '../../src/core/ids.ts';
import { checkClientInput } from '../../src/core/registration.ts';
import { matchRedirectUri } from '../../src/core/redirect-uri.ts';
import { storeKinds } from '../helpers/stores.ts';
import { obtainTokens, startServer } from '../helpers/server.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';

describe('R1 identifiers', () => {
  it('R1: client_id is 1000. + 30 [A-Z0-9]; client_secret 42 lower-case hex; tokens 1000.<32 hex>.<32 hex>', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const id = generateClientId();
      expect(id).toMatch(CLIENT_ID_PATTERN);
      expect(generateClientSecret()).toMatch(/^[0-9a-f]{42}$/);
      const t = generateToken();
      expect(t).toMatch(TOKEN_PATTERN);
      ids.add(t);
    }
    expect(ids.size).toBe(200);
  });

  it('R1: comparisons are constant-time and length-safe', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('é', 'e')).toBe(false);
  });

  it('R1: the store hash is SHA-256 in hex (the FIPS 180-2 test vector)', () => {
    expect(hashSecret('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe.each(storeKinds)('R1 on $name', (kind) => {
  it('R1: secrets, codes and tokens are stored only as hashes', async () => {
    const server = await startServer(kind);
    try {
      const app = await server.addClient();
      const t = await obtainTokens(server, { ...app, accessType: 'offline' });
      const db = (server.store as KyselyStore).db;
      const dump = JSON.stringify([
        await db.selectFrom('clients').selectAll().execute(),
        await db.selectFrom('access_tokens').selectAll().execute(),
        await db.selectFrom('refresh_tokens').selectAll().execute(),
        await db.selectFrom('auth_codes').selectAll().execute(),
        await db.selectFrom('sessions').selectAll().execute(),
      ]);
      for (const secret of [
        app.clientSecret,
        t.body.access_token as string,
        t.body.refresh_token as string,
      ]) {
        expect(dump).not.toContain(secret);
        expect(dump).toContain(hashSecret(secret));
      }
      expect(dump).not.toMatch(/1000\.[0-9a-f]{32}\.[0-9a-f]{32}/);
    } finally {
      await server.close();
    }
  });
});

describe('R2 registration rules', () => {
  const good = {
    name: 'Zylker',
    domain: 'https://zylker.com',
    redirectUris: ['https://zylker.com/cb'],
    type: 'server',
  };

  it('R2: a valid registration has no problems', () => {
    expect(checkClientInput(good)).toEqual({});
    expect(checkClientInput({ ...good, type: 'self', redirectUris: [] })).toEqual({});
    expect(
      checkClientInput({
        ...good,
        type: 'mobile',
        redirectUris: ['com.zylker.app:/cb', 'http://127.0.0.1/cb'],
      }),
    ).toEqual({});
    expect(checkClientInput({ ...good, redirectUris: ['http://localhost:8080/cb'] })).toEqual({});
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{ domain: 'not a url' }, 'domain'],
    [{ redirectUris: [] }, 'redirectUris'],
    [
      { redirectUris: Array.from({ length: 21 }, (_, i) => `https://zylker.com/${i}`) },
      'redirectUris',
    ],
    [{ redirectUris: ['https://zylker.com/cb#frag'] }, 'redirectUris'],
    [{ redirectUris: ['javascript:alert(1)'] }, 'redirectUris'],
    [{ redirectUris: ['http://zylker.com/cb'] }, 'redirectUris'],
    [{ redirectUris: ['/relative'] }, 'redirectUris'],
    [{ redirectUris: ['com.zylker.app:/cb'] }, 'redirectUris'],
    [{ redirectUris: ['https://user:pw@zylker.com/cb'] }, 'redirectUris'],
    [{ type: 'robot' }, 'type'],
    [{ type: 'self' }, 'redirectUris'],
  ])('R2: %j is refused on %s', (patch, field) => {
    expect(Object.keys(checkClientInput({ ...good, ...patch }))).toContain(field);
  });

  it('R2: 100 characters is the longest name, 20 the most redirect URIs', () => {
    expect(
      checkClientInput({
        ...good,
        name: 'x'.repeat(100),
        redirectUris: Array.from({ length: 20 }, (_, i) => `https://zylker.com/${i}`),
      }),
    ).toEqual({});
  });

  it('R3.2: redirect URIs match by string equality, except a mobile loopback URI on any port', () => {
    expect(matchRedirectUri('https://a.com/cb', ['https://a.com/cb'], 'server')).toBe(
      'https://a.com/cb',
    );
    expect(matchRedirectUri('https://a.com/cb/', ['https://a.com/cb'], 'server')).toBeUndefined();
    expect(matchRedirectUri('https://a.com/%63b', ['https://a.com/cb'], 'server')).toBeUndefined();
    expect(matchRedirectUri('http://127.0.0.1:9999/cb', ['http://127.0.0.1/cb'], 'mobile')).toBe(
      'http://127.0.0.1/cb',
    );
    expect(
      matchRedirectUri('http://127.0.0.1:9999/cb', ['http://127.0.0.1/cb'], 'server'),
    ).toBeUndefined();
    expect(
      matchRedirectUri('http://127.0.0.1:9999/other', ['http://127.0.0.1/cb'], 'mobile'),
    ).toBeUndefined();
    expect(
      matchRedirectUri('http://evil.com:9999/cb', ['http://127.0.0.1/cb'], 'mobile'),
    ).toBeUndefined();
  });
});
