/**
 * SPEC R12: `tollgate emulator clock|faults|requests` against a running server with the
 * emulator on (a tollgate/testing handle).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';
import { runCli, startCli, waitForOutput } from '../client/helpers/cli.ts';

describe('R12 emulator commands', () => {
  let tollgate: TollgateHandle;
  beforeAll(async () => {
    tollgate = await startTollgate();
  });
  afterAll(async () => tollgate.stop());

  it('R12.1: tollgate emulator clock advance 1h moves the server clock; reset returns to real time', async () => {
    const advanced = await runCli(['emulator', 'clock', 'advance', '1h', '--url', tollgate.url]);
    expect(advanced.code).toBe(0);
    expect(JSON.parse(advanced.stdout)).toMatchObject({ offset_ms: 3_600_000 });
    expect(tollgate.clock.offsetMs()).toBe(3_600_000);
    const shown = await runCli(['emulator', 'clock'], { TOLLGATE_URL: tollgate.url });
    expect(JSON.parse(shown.stdout).offset_ms).toBe(3_600_000);
    const reset = await runCli(['emulator', 'clock', 'reset', '--url', tollgate.url]);
    expect(JSON.parse(reset.stdout).offset_ms).toBe(0);
    const bad = await runCli(['emulator', 'clock', 'advance', 'soon', '--url', tollgate.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a duration/);
  });

  it('R12.2: tollgate emulator faults add / list / remove', async () => {
    const added = await runCli([
      'emulator',
      'faults',
      'add',
      '--endpoint',
      'token',
      '--action',
      'throttle',
      '--grant-type',
      'refresh_token',
      '--times',
      '2',
      '--url',
      tollgate.url,
    ]);
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout) as { id: string };
    expect(tollgate.faults.list()).toEqual([
      {
        id,
        endpoint: 'token',
        action: 'throttle',
        when: { grant_type: 'refresh_token' },
        times: 2,
      },
    ]);
    const refused = await runCli([
      'emulator',
      'faults',
      'add',
      '--endpoint',
      'token',
      '--action',
      'throttle',
      '--probability',
      '2',
      '--url',
      tollgate.url,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/400: probability must be a number from 0 to 1/);
    const removed = await runCli(['emulator', 'faults', 'remove', id, '--url', tollgate.url]);
    expect(removed.code).toBe(0);
    expect(tollgate.faults.list()).toEqual([]);
  });

  it('R12.3: tollgate emulator requests --follow prints each new request as a JSON line', async () => {
    tollgate.requests.clear();
    const child = startCli([
      'emulator',
      'requests',
      '--follow',
      '--endpoint',
      'revoke',
      '--url',
      tollgate.url,
    ]);
    try {
      await new Promise((r) => setTimeout(r, 700));
      await fetch(`${tollgate.url}/oauth/v2/token/revoke?token=1000.abcdefabcdef`, {
        method: 'POST',
      });
      const line = await waitForOutput(child.stdout, /\{.*"endpoint":"revoke".*\}\n/);
      const entry = JSON.parse(line[0].trim()) as Record<string, unknown>;
      expect(entry).toMatchObject({ endpoint: 'revoke', method: 'POST', status: 400 });
      expect((entry.params as Record<string, string>).token).toBe('1000.abc…');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('R12: a server without the emulator is named as such', async () => {
    const off = await startTollgate({ emulator: false });
    try {
      const res = await runCli(['emulator', 'clock', '--url', off.url]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/no emulator controls/);
    } finally {
      await off.stop();
    }
  });
});
