import { describe, expect, it } from 'vitest';
import {
  parseTokenResponse,
  readExpiresInSeconds,
  refreshDueAt,
  TollgateClientError,
} from '@tollgate/client';

const request = { method: 'POST', url: 'http://127.0.0.1:1/oauth/v2/token' };
const base = {
  accountsServer: 'http://127.0.0.1:1',
  clientId: '1000.ABC',
  requestedScopes: ['AaaServer.profile.READ'],
  request,
  now: 1_000_000,
};

describe('R0 expiry dialects', () => {
  it('R0: zoho and rfc profiles send expires_in in seconds', () => {
    expect(readExpiresInSeconds({ expires_in: 3600 })).toBe(3600);
  });

  it('R0: zoho-legacy sends expires_in in milliseconds paired with expires_in_sec, which wins', () => {
    expect(readExpiresInSeconds({ expires_in: 3_600_000, expires_in_sec: 3600 })).toBe(3600);
  });

  it('R0: expires_in is read as milliseconds whenever expires_in_sec is present, even if unusable', () => {
    expect(readExpiresInSeconds({ expires_in: 3_600_000, expires_in_sec: 'x' })).toBe(3600);
  });

  it('R0: a large expires_in without expires_in_sec is still seconds, as Zoho SDKs read it', () => {
    expect(readExpiresInSeconds({ expires_in: 3_600_000 })).toBe(3_600_000);
  });

  it('R0: numeric strings are accepted, nonsense is not', () => {
    expect(readExpiresInSeconds({ expires_in: '120' })).toBe(120);
    expect(readExpiresInSeconds({ expires_in: -5 })).toBeUndefined();
    expect(readExpiresInSeconds({ expires_in: 'soon' })).toBeUndefined();
    expect(readExpiresInSeconds({})).toBeUndefined();
  });

  it('R0: the three dialects give the same expiry time', () => {
    const legacy = parseTokenResponse(
      { access_token: 'a', token_type: 'Bearer', expires_in: 3_600_000, expires_in_sec: 3600 },
      base,
    );
    const zoho = parseTokenResponse(
      { access_token: 'a', token_type: 'Bearer', expires_in: 3600 },
      base,
    );
    expect(legacy.expiresAt).toBe(1_000_000 + 3_600_000);
    expect(zoho.expiresAt).toBe(legacy.expiresAt);
  });
});

describe('R4.3 token response validation', () => {
  it('R4.3: reads api_domain, space-separated scope and the refresh token', () => {
    const tokens = parseTokenResponse(
      {
        access_token: 'a',
        refresh_token: 'r',
        api_domain: 'http://api.test',
        token_type: 'Bearer',
        expires_in: 60,
        scope: 'A.b.READ C.d.ALL',
      },
      base,
    );
    expect(tokens).toMatchObject({
      accessToken: 'a',
      refreshToken: 'r',
      apiDomain: 'http://api.test',
      scopes: ['A.b.READ', 'C.d.ALL'],
      tokenType: 'Bearer',
    });
  });

  it('R4.5: a refresh answer without refresh_token keeps the previous one (Zoho does not rotate)', () => {
    const tokens = parseTokenResponse(
      { access_token: 'a', token_type: 'Bearer', expires_in: 60 },
      { ...base, previousRefreshToken: 'old' },
    );
    expect(tokens.refreshToken).toBe('old');
  });

  it('refuses an answer without access_token, or with another token type', () => {
    expect(() => parseTokenResponse({ token_type: 'Bearer' }, base)).toThrow(TollgateClientError);
    expect(() => parseTokenResponse({ access_token: 'a', token_type: 'mac' }, base)).toThrow(
      /not Bearer/,
    );
    expect(() => parseTokenResponse({ access_token: 'a', api_domain: 'not a url' }, base)).toThrow(
      /api_domain/,
    );
  });
});

describe('refresh timing', () => {
  const tokens = parseTokenResponse({ access_token: 'a', expires_in: 3600 }, base);

  it('refreshes the margin before expiry', () => {
    expect(refreshDueAt(tokens, 60)).toBe(tokens.expiresAt - 60_000);
  });

  it('never refreshes before half the lifetime, so short-lived tokens do not cause a refresh per call', () => {
    const short = parseTokenResponse({ access_token: 'a', expires_in: 10 }, base);
    expect(refreshDueAt(short, 60)).toBe(short.obtainedAt + 5000);
  });
});
