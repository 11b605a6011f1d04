/** The one config schema: flags over environment over defaults, checked, frozen. */
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, envName, flagName, parseConfig } from '../../src/core/config.ts';
import { TollgateError } from '../../src/core/errors.ts';

describe('config', () => {
  it("has defaults from the seed and Zoho's documentation", () => {
    const c = parseConfig();
    expect(c).toMatchObject({
      profile: 'zoho',
      accessTokenTtl: 3600,
      codeTtl: 120,
      refreshTokenCap: 20,
      accessTokensPerRefresh: 20,
      refreshMintLimit: 10,
      codeLimit: 10,
      throttleWindow: 600,
      throttle: true,
      location: 'us',
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('takes explicit values over environment variables over defaults', () => {
    const env = { TOLLGATE_PORT: '4000', TOLLGATE_PROFILE: 'rfc', TOLLGATE_ACCESS_TOKEN_TTL: '60' };
    expect(parseConfig({}, env)).toMatchObject({ port: 4000, profile: 'rfc', accessTokenTtl: 60 });
    expect(parseConfig({ port: 5000 }, env).port).toBe(5000);
    expect(parseConfig({ throttle: false }).throttle).toBe(false);
    expect(parseConfig({}, { TOLLGATE_THROTTLE: 'false' }).throttle).toBe(false);
  });

  it.each([
    [{ port: 'eighty' }, /--port/],
    [{ port: -1 }, /--port/],
    [{ profile: 'soap' }, /--profile.*zoho/],
    [{ issuer: 'ftp://x' }, /--issuer/],
    [{ issuer: 'not a url' }, /--issuer/],
    [{ accessTokenTtl: 0 }, /--access-token-ttl/],
    [{ throttle: 'maybe' }, /--throttle/],
  ])('rejects %j naming the option', (input, message) => {
    expect(() => parseConfig(input)).toThrow(TollgateError);
    expect(() => parseConfig(input)).toThrow(message);
  });

  it('names flags and environment variables from the keys', () => {
    expect(flagName('accessTokenTtl')).toBe('access-token-ttl');
    expect(envName('accessTokenTtl')).toBe('TOLLGATE_ACCESS_TOKEN_TTL');
    for (const spec of Object.values(CONFIG_SCHEMA))
      expect(spec.description.length).toBeGreaterThan(10);
  });
});
