/**
 * SPEC R12.3 and R12.2 without a server: the request log's masking and size, fault matching.
 */
import { describe, expect, it } from 'vitest';
import { maskSecrets, REQUEST_LOG_SIZE, RequestLog } from '../../src/core/request-log.ts';
import { FaultRules, parseFaultInput } from '../../src/core/faults.ts';

const entry = (i: number) => ({
  at: i,
  method: 'POST',
  path: '/oauth/v2/token',
  endpoint: i % 2 ? 'token' : 'revoke',
  client_id: `c${i % 3}`,
  params: {},
  status: 200,
  response: null,
  duration_ms: 1,
  fault_id: null,
});

describe('R12.3 request log', () => {
  it('R12.3: keeps the last 1,000 requests, oldest first', () => {
    const log = new RequestLog();
    for (let i = 0; i < 1005; i++) log.add(entry(i));
    const list = log.list();
    expect(REQUEST_LOG_SIZE).toBe(1000);
    expect(list).toHaveLength(1000);
    expect(list[0]?.at).toBe(5);
    expect(list.at(-1)?.at).toBe(1004);
    expect(log.list({ endpoint: 'token', client_id: 'c1', limit: 2 }).map((e) => e.at)).toEqual([
      997, 1003,
    ]);
  });

  it('R12.3: masks every secret name at any depth to its first 8 characters and …', () => {
    const masked = maskSecrets({
      client_secret: '0123456789abcdef',
      code: '1000.aaaaaaaa.bbbb',
      code_verifier: 'verifier-verifier',
      refresh_token: 'r'.repeat(40),
      access_token: 'a'.repeat(40),
      id_token: 'eyJhbGciOiJSUzI1NiJ9.x.y',
      password: 'hunter2hunter2',
      device_code: 'dddddddddddd',
      scope: 'AaaServer.profile.READ',
      nested: [{ access_token: 'b'.repeat(20) }],
    });
    expect(masked).toEqual({
      client_secret: '01234567…',
      code: '1000.aaa…',
      code_verifier: 'verifier…',
      refresh_token: 'rrrrrrrr…',
      access_token: 'aaaaaaaa…',
      id_token: 'eyJhbGci…',
      password: 'hunter2h…',
      device_code: 'dddddddd…',
      scope: 'AaaServer.profile.READ',
      nested: [{ access_token: 'bbbbbbbb…' }],
    });
  });
});

describe('R12.2 fault rules', () => {
  it('R12.2: the first matching rule fires, times count down, probability 0 never fires', () => {
    const rules = new FaultRules(() => 0.5);
    rules.add(parseFaultInput({ endpoint: 'token', action: 'throttle', probability: 0 }));
    const two = rules.add(
      parseFaultInput({
        endpoint: 'token',
        when: { grant_type: 'refresh_token' },
        action: 'invalid_code',
        times: 2,
      }),
    );
    const subject = { endpoint: 'token' as const, grantType: 'refresh_token', clientId: 'c' };
    expect(rules.take({ ...subject, grantType: 'authorization_code' })).toBeUndefined();
    expect(rules.take(subject)?.id).toBe(two.id);
    expect(rules.list().find((r) => r.id === two.id)?.times).toBe(1);
    expect(rules.take(subject)?.id).toBe(two.id);
    expect(rules.take(subject)).toBeUndefined();
    expect(rules.size).toBe(1);
  });
});
