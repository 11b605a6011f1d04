/**
 * The curl examples of docs/data-centres.md, docs/incremental-authorization.md and
 * docs/zoho-fidelity.md run as written (SPEC R13.1, R13.4-R13.6) against a Tollgate serving
 * us and eu, with the variables they name in the environment. The JSON comment under each
 * command is what its answer must contain; the documents' example URLs stand for the real ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';
import { postForm } from '../helpers/server.ts';
import { jsonExamples } from '../helpers/doc-examples.ts';

const execFileAsync = promisify(execFile);
const DOCS = ['data-centres.md', 'incremental-authorization.md', 'zoho-fidelity.md'];

describe('R13 docs examples', () => {
  let tg: TollgateHandle;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    tg = await startTollgate({ dataCentres: ['us', 'eu'] });
    const app = await tg.createClient();
    const owner = await tg.createUser();
    const self = await tg.createClient({ type: 'self', owner });
    const ana = await tg.createUser({ dc: 'eu' });
    const scope = 'AaaServer.profile.READ';
    const euCode = await tg.authorize({ clientId: app.clientId, user: ana, scope });
    const refreshToken = async (): Promise<string> => {
      const got = await tg.authorize({
        clientId: app.clientId,
        user: owner,
        scope,
        accessType: 'offline',
        prompt: 'consent',
      });
      if (!('code' in got)) throw new Error(JSON.stringify(got));
      const res = await postForm(tg.url, '/oauth/v2/token', {
        grant_type: 'authorization_code',
        code: got.code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: 'https://app.example.com/callback',
      });
      return res.body.refresh_token as string;
    };
    if (!('code' in euCode)) throw new Error(JSON.stringify(euCode));
    env = {
      ...process.env,
      US: tg.locations.us,
      EU: tg.locations.eu,
      CLIENT_ID: app.clientId,
      CLIENT_SECRET: app.clientSecret,
      SELF_ID: self.clientId,
      SELF_SECRET: self.clientSecret,
      EU_CODE: euCode.code,
      REFRESH_TOKEN: await refreshToken(),
      REFRESH_TOKEN_2: await refreshToken(),
    };
  });
  afterAll(() => tg.stop());

  it.each(DOCS)('R13: every curl example of docs/%s answers as written', async (doc) => {
    const list = jsonExamples(doc);
    expect(list.length).toBeGreaterThan(0);
    for (const example of list) {
      const expected = JSON.parse(
        example.expected
          .replaceAll('http://127.0.0.1:3000', tg.locations.us as string)
          .replaceAll('http://127.0.0.1:3001', tg.locations.eu as string),
      ) as Record<string, unknown>;
      const { stdout } = await execFileAsync('bash', ['-c', example.command], {
        env,
        timeout: 10_000,
      });
      expect(JSON.parse(stdout), example.command).toMatchObject(expected);
    }
  });
});
