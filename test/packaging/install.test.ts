/**
 * R11.1-R11.3: what users install is what is tested. The three packages are packed, checked by
 * publint and attw, installed from their tarballs into fresh projects, imported with plain
 * `node` (no loader) and type-checked as a TypeScript consumer would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
const PACKAGES = {
  tollgate: '.',
  '@tollgate/client': 'packages/client',
  '@tollgate/resource': 'packages/resource',
} as const;
type PackageName = keyof typeof PACKAGES;

const work = mkdtempSync(join(tmpdir(), 'tollgate-packaging-'));
const tarballs = {} as Record<PackageName, string>;

async function sh(
  command: string,
  args: string[],
  cwd: string,
  timeout = 300_000,
): Promise<string> {
  const { stdout } = await run(command, args, {
    cwd,
    timeout,
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });
  return stdout;
}

/** A fresh project with the given tarballs (and registry packages) installed. */
async function project(name: string, installs: string[]): Promise<string> {
  const dir = join(work, name);
  await sh('mkdir', ['-p', dir], work);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }),
  );
  await sh(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', ...installs],
    dir,
    600_000,
  );
  return dir;
}

/** Every installed package of a project (node_modules, nested ones included). */
function installedPackages(dir: string): string[] {
  const lock = JSON.parse(
    readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8'),
  ) as { packages: Record<string, unknown> };
  return Object.keys(lock.packages).filter((path) => path.startsWith('node_modules/'));
}

beforeAll(async () => {
  const packed = JSON.parse(
    await sh(
      'npm',
      ['pack', '--workspaces', '--include-workspace-root', '--pack-destination', work, '--json'],
      ROOT,
    ),
  ) as {
    name: PackageName;
    filename: string;
  }[];
  for (const p of packed) tarballs[p.name] = join(work, p.filename);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('R11.2: each package is compiled ESM with declarations, and its tarball holds only that', () => {
  it.each(Object.keys(PACKAGES) as PackageName[])(
    '%s: publint and attw (esm-only) report nothing',
    async (name) => {
      const dir = join(ROOT, PACKAGES[name]);
      const publint = await sh(join(BIN, 'publint'), ['--strict', dir], ROOT);
      expect(publint).toContain('All good!');
      // attw exits non-zero on any problem of the esm-only profile.
      await sh(join(BIN, 'attw'), ['--profile', 'esm-only', tarballs[name]], ROOT);
    },
    300_000,
  );

  it.each(Object.keys(PACKAGES) as PackageName[])(
    '%s: no tests, benchmarks or screenshots in the tarball',
    async (name) => {
      const listing = await sh('tar', ['-tzf', tarballs[name]], work);
      const files = listing.split('\n').filter(Boolean);
      expect(files.some((f) => f.endsWith('/dist/index.js'))).toBe(true);
      expect(files.some((f) => f.endsWith('/dist/index.d.ts'))).toBe(true);
      expect(
        files.filter((f) =>
          /\/(test|bench|\.ci|docs|examples)\/|\.png$|\.test\.|tsbuildinfo/.test(f),
        ),
      ).toEqual([]);
    },
  );
});

describe('R11.1-R11.4: installed from the tarballs, used with plain node', () => {
  let app: string;
  beforeAll(async () => {
    app = await project('app', [
      tarballs.tollgate,
      tarballs['@tollgate/client'],
      tarballs['@tollgate/resource'],
      '@types/node@20',
    ]);
  }, 600_000);

  it('a full code -> token -> user info flow runs through startTollgate(), the client SDK and the resource verifier', async () => {
    writeFileSync(
      join(app, 'flow.mjs'),
      `import { createClient } from '@tollgate/client';
import { createTokenVerifier, hasScope } from '@tollgate/resource';
import { tollgateResource } from '@tollgate/resource/fastify';
import { startTollgate } from 'tollgate/testing';
import * as reexportedClient from 'tollgate/client';
import * as reexportedResource from 'tollgate/resource';
import { buildApp } from 'tollgate';
const tollgate = await startTollgate();
try {
  const user = await tollgate.createUser({ firstName: 'Grace', lastName: 'Hopper' });
  const app = await tollgate.createClient({ redirectUris: ['http://127.0.0.1:8999/callback'] });
  const sdk = createClient({ accountsUrl: tollgate.url, clientId: app.clientId, clientSecret: app.clientSecret,
    redirectUri: 'http://127.0.0.1:8999/callback', scopes: ['AaaServer.profile.READ'] });
  const request = sdk.authorizationUrl();
  const redirect = await tollgate.openAuthorizationUrl(request.url, { user });
  await sdk.handleCallback(redirect.url, { state: request.state, codeVerifier: request.codeVerifier });
  const me = await sdk.userInfo();
  const verifier = createTokenVerifier({ mode: 'remote', issuer: tollgate.url, clientId: app.clientId, clientSecret: app.clientSecret });
  const claims = await verifier.verifyAccessToken('Zoho-oauthtoken ' + (await sdk.getAccessToken()));
  console.log(JSON.stringify({
    name: me.Display_Name, zuid: me.ZUID, verifiedZuid: claims.userId,
    scoped: hasScope(claims.scopes, 'AaaServer.profile.READ'),
    plugin: typeof tollgateResource, buildApp: typeof buildApp,
    sameClient: reexportedClient.createClient === createClient,
    sameHasScope: reexportedResource.hasScope === hasScope,
    localMode: typeof reexportedResource.createTokenVerifier,
  }));
} finally {
  await tollgate.stop();
}
`,
    );
    const out = JSON.parse(await sh(process.execPath, ['flow.mjs'], app, 60_000)) as Record<
      string,
      unknown
    >;
    expect(out).toMatchObject({
      name: 'Grace Hopper',
      scoped: true,
      plugin: 'function',
      buildApp: 'function',
      sameClient: true,
      sameHasScope: true,
      localMode: 'function',
    });
    expect(out.verifiedZuid).toBe(out.zuid);
  }, 120_000);

  it('R11.3: the installed bin runs compiled JavaScript and prints the version', async () => {
    const version = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    ).version;
    expect(
      (await sh(join(app, 'node_modules', '.bin', 'tollgate'), ['--version'], app)).trim(),
    ).toBe(version);
    const installed = readdirSync(join(app, 'node_modules', 'tollgate', 'dist', 'cli'));
    expect(installed).toContain('main.js');
    expect(installed.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toBe(false);
  }, 60_000);

  it.each([
    ['strict', { strict: true }],
    ['default strictness', {}],
  ])(
    'R11.2: a TypeScript consumer (NodeNext, %s) type-checks without errors from our files',
    async (label, extra) => {
      writeFileSync(
        join(app, 'consumer.ts'),
        `import { createClient, OAuthError, type TokenSet } from '@tollgate/client';
import { createTokenVerifier, requireScopeMiddleware, type TokenVerifier } from '@tollgate/resource';
import { tollgateResource } from '@tollgate/resource/fastify';
import { startTollgate, type TollgateHandle, type AuthorizeResult } from 'tollgate/testing';
import type { Store } from 'tollgate';
export async function check(): Promise<string> {
  const tollgate: TollgateHandle = await startTollgate({ profile: 'rfc', throttle: false });
  const app = await tollgate.createClient();
  const result: AuthorizeResult = await tollgate.authorize({ clientId: app.clientId, user: await tollgate.createUser(), scope: ['AaaServer.profile.READ'] });
  const sdk = createClient({ accountsUrl: tollgate.url, clientId: app.clientId, scopes: ['AaaServer.profile.READ'] });
  const verifier: TokenVerifier = createTokenVerifier({ mode: 'remote', issuer: tollgate.url, clientId: app.clientId, clientSecret: app.clientSecret });
  const middleware = requireScopeMiddleware({ verifier, scopes: ['SalesIQ.portals.READ'] });
  const tokens: TokenSet | undefined = await sdk.getTokens();
  const store: Store | undefined = undefined;
  await tollgate.stop();
  return [typeof middleware, typeof tollgateResource, String(tokens), String(store), 'code' in result ? result.code : result.error, typeof OAuthError].join();
}
`,
      );
      // A deliberate error in a second file proves the checker ran over these files.
      writeFileSync(
        join(app, 'control.ts'),
        "import { createClient } from '@tollgate/client';\nexport const wrong: number = createClient;\n",
      );
      const tsconfig = {
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          noEmit: true,
          types: ['node'],
          ...extra,
        },
        files: ['consumer.ts', 'control.ts'],
      };
      writeFileSync(
        join(app, `tsconfig.${label.replace(/ /g, '-')}.json`),
        JSON.stringify(tsconfig),
      );
      const result = await run(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          `tsconfig.${label.replace(/ /g, '-')}.json`,
        ],
        { cwd: app },
      ).then(
        (r) => r.stdout,
        (e: { stdout: string }) => e.stdout,
      );
      const lines = result.split('\n').filter((line) => /error TS/.test(line));
      expect(lines.filter((line) => line.startsWith('control.ts'))).toHaveLength(1);
      expect(lines.filter((line) => !line.startsWith('control.ts'))).toEqual([]);
    },
    120_000,
  );
});

describe('R11.1: the light packages have no runtime dependencies', () => {
  it('a project depending only on @tollgate/client installs exactly one package', async () => {
    const dir = await project('client-only', [tarballs['@tollgate/client']]);
    expect(installedPackages(dir)).toEqual(['node_modules/@tollgate/client']);
    writeFileSync(
      join(dir, 'use.mjs'),
      "import { createClient } from '@tollgate/client'; console.log(typeof createClient);",
    );
    expect((await sh(process.execPath, ['use.mjs'], dir)).trim()).toBe('function');
  }, 300_000);

  it('a project depending only on @tollgate/resource installs exactly one package (fastify is an optional peer)', async () => {
    const dir = await project('resource-only', [tarballs['@tollgate/resource']]);
    expect(installedPackages(dir)).toEqual(['node_modules/@tollgate/resource']);
    writeFileSync(
      join(dir, 'use.mjs'),
      "import { createTokenVerifier, requireScopeMiddleware } from '@tollgate/resource'; console.log(typeof createTokenVerifier, typeof requireScopeMiddleware);",
    );
    expect((await sh(process.execPath, ['use.mjs'], dir)).trim()).toBe('function function');
  }, 300_000);
});
