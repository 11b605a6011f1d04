/**
 * The curl examples of docs/device-flow.md run as written (SPEC R13.2), in order, against a
 * zoho-profile Tollgate (`$TOLLGATE`) and an rfc-profile one (`$RFC`). The JSON comment under
 * each command is what its answer must contain. The test plays the device's and the person's
 * parts between the commands: it keeps the codes the first answer of each server gives
 * (`$DEVICE_CODE`), moves the clock past the interval before each poll unless the document
 * shows `slow_down`, and has a person approve before the first answer with tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';
import { answerOnPage } from '../helpers/device.ts';
import { jsonExamples } from '../helpers/doc-examples.ts';

const execFileAsync = promisify(execFile);

describe('R13.2 docs/device-flow.md examples', () => {
  let zoho: TollgateHandle;
  let rfc: TollgateHandle;
  beforeAll(async () => {
    [zoho, rfc] = await Promise.all([startTollgate(), startTollgate({ profile: 'rfc' })]);
  });
  afterAll(async () => {
    await zoho.stop();
    await rfc.stop();
  });

  it('R13.2: every curl example of docs/device-flow.md answers as written', async () => {
    const app = await zoho.createClient();
    const rfcApp = await rfc.createClient();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TOLLGATE: zoho.url,
      RFC: rfc.url,
      CLIENT_ID: app.clientId,
      CLIENT_SECRET: app.clientSecret,
      RFC_CLIENT_ID: rfcApp.clientId,
      RFC_CLIENT_SECRET: rfcApp.clientSecret,
    };
    const list = jsonExamples('device-flow.md');
    expect(list.length).toBe(7);
    let userCode = '';
    let approved = false;
    for (const example of list) {
      const server = example.command.includes('$RFC') ? rfc : zoho;
      const expected = JSON.parse(
        example.expected
          .replaceAll('http://127.0.0.1:3000', zoho.url)
          .replaceAll('http://127.0.0.1:4000', rfc.url),
      ) as Record<string, unknown>;
      if (expected.error !== 'slow_down') server.clock.advance('5s');
      if ('access_token' in expected || 'api_domain' in expected) {
        if (!approved) await answerOnPage(server.url, await server.createUser(), userCode);
        approved = true;
      }
      const { stdout } = await execFileAsync('bash', ['-c', example.command], {
        env,
        timeout: 10_000,
      });
      const answer = JSON.parse(stdout) as Record<string, unknown>;
      expect(answer, example.command).toMatchObject(expected);
      if (typeof answer.device_code === 'string') {
        env.DEVICE_CODE = answer.device_code;
        userCode = String(answer.user_code);
        approved = false;
      }
    }
  });
});
