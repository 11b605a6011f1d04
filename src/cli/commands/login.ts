/**
 * `tollgate login`: the authorization-code flow for a person at a terminal. Prints (and tries
 * to open) the authorization URL, receives the redirect on a loopback port (RFC 8252 §7.3),
 * and saves the tokens and the client details to a profile of the token file. With
 * `--device`, Zoho's device flow instead (SPEC R13.2; RFC 8628): no port, a code to type.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import {
  createClient,
  createFileStore,
  defaultTokenFile,
  encodeProfileSettings,
  isDataCentre,
} from '@tollgate/client';
import type { DataCentre, TokenSet } from '@tollgate/client';
import { UsageError } from '../usage-error.ts';
import {
  addTokenProfileOptions,
  tokenProfileOf,
  type TokenProfileOptions,
} from '../token-profile.ts';

interface LoginOptions extends TokenProfileOptions {
  dc?: string;
  accountsUrl?: string;
  clientId: string;
  clientSecret?: string;
  scope: string[];
  offline?: boolean;
  promptConsent?: boolean;
  redirectUri?: string;
  open: boolean;
  timeout: string;
  trustAccountsServer: string[];
  device?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value.split(/[\s,]+/).filter(Boolean),
];

/** Where the client lives: exactly one of `--dc` and `--accounts-url`, shared by login and self-client. */
export function readServerChoice(opts: {
  dc?: string;
  accountsUrl?: string;
}): { dc: DataCentre } | { accountsUrl: string } {
  if ((opts.dc === undefined) === (opts.accountsUrl === undefined)) {
    throw new UsageError(
      'give exactly one of --dc (us, eu, in, au, jp, ca, sa, uk, cn) and --accounts-url',
    );
  }
  if (opts.dc !== undefined) {
    if (!isDataCentre(opts.dc))
      throw new UsageError(
        `unknown data centre ${opts.dc}; use us, eu, in, au, jp, ca, sa, uk or cn`,
      );
    return { dc: opts.dc.toLowerCase() as DataCentre };
  }
  if (!URL.canParse(opts.accountsUrl ?? ''))
    throw new UsageError(`--accounts-url ${opts.accountsUrl} is not a URL`);
  return { accountsUrl: opts.accountsUrl ?? '' };
}

/** One line describing saved tokens, for stderr. */
export function describeTokens(tokens: TokenSet, profile: string, path: string): string {
  const refresh = tokens.refreshToken
    ? 'with a refresh token'
    : 'WITHOUT a refresh token (log in with --offline --prompt-consent to get one)';
  return `Saved tokens to profile ${profile} in ${path}: scopes ${tokens.scopes.join(' ')}, ${refresh}.`;
}

function listenOn(redirectUri: string | undefined) {
  const target = new URL(redirectUri ?? 'http://127.0.0.1:0/callback');
  if (
    target.protocol !== 'http:' ||
    !['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)
  ) {
    throw new UsageError(
      '--redirect-uri must be an http URI on a loopback host (127.0.0.1, [::1] or localhost)',
    );
  }
  return target;
}

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser opener: the URL is printed anyway.
  }
}

/**
 * `tollgate login --device`: Zoho's device flow (SPEC R13.2). Prints the verification URL and
 * the user code, then polls until the person approved (or denied) on any other device.
 */
async function loginWithDevice(
  opts: LoginOptions,
  server: ReturnType<typeof readServerChoice>,
  clientSecret: string | undefined,
  timeoutSeconds: number,
): Promise<void> {
  if (opts.redirectUri !== undefined)
    throw new UsageError('--redirect-uri has no use with --device (nothing is redirected)');
  const tokenProfile = tokenProfileOf(opts);
  const tokenFile = opts.tokenFile ?? defaultTokenFile();
  const store = createFileStore({ path: tokenFile, profile: tokenProfile });
  const client = createClient({
    ...server,
    clientId: opts.clientId,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    scopes: opts.scope,
    store,
    trustedAccountsServers: opts.trustAccountsServer,
  });
  const started = await client.startDeviceAuthorization({
    accessType: opts.offline ? 'offline' : 'online',
    ...(opts.promptConsent ? { prompt: 'consent' as const } : {}),
  });
  const complete = started.verificationUriComplete;
  process.stderr.write(
    `To sign in, open ${started.verificationUrl} on any device and enter the code:\n\n  ${started.userCode}\n\n` +
      (complete ? `(or open ${complete})\n` : '') +
      'Waiting for approval ...\n',
  );
  if (opts.open && complete) openBrowser(complete);
  const tokens = await client.pollDeviceAuthorization(started, {
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  });
  await store.setSettings(
    encodeProfileSettings({
      ...server,
      clientId: opts.clientId,
      clientSecret,
      scopes: opts.scope,
    }),
  );
  process.stderr.write(`${describeTokens(tokens, tokenProfile, tokenFile)}\n`);
}

async function login(opts: LoginOptions): Promise<void> {
  const tokenProfile = tokenProfileOf(opts);
  const server = readServerChoice(opts);
  const clientSecret = opts.clientSecret ?? process.env['TOLLGATE_CLIENT_SECRET'];
  if (opts.scope.length === 0) throw new UsageError('give at least one --scope');
  const timeoutSeconds = Number(opts.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new UsageError('--timeout must be a positive number of seconds');
  if (opts.device) return loginWithDevice(opts, server, clientSecret, timeoutSeconds);
  const target = listenOn(opts.redirectUri);
  const tokenFile = opts.tokenFile ?? defaultTokenFile();
  const store = createFileStore({ path: tokenFile, profile: tokenProfile });

  let settle: { resolve: (tokens: TokenSet) => void; reject: (error: unknown) => void } | undefined;
  const done = new Promise<TokenSet>((resolve, reject) => (settle = { resolve, reject }));
  let handle: ((url: string) => Promise<TokenSet>) | undefined;
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? target.host}`);
    if (url.pathname !== target.pathname || handle === undefined) {
      res.writeHead(404).end();
      return;
    }
    handle(url.toString()).then(
      (tokens) => {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            '<!doctype html><title>Signed in</title><p>Signed in. You can close this window and return to the terminal.</p>',
          );
        settle?.resolve(tokens);
      },
      (error: unknown) => {
        res
          .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`Sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
        settle?.reject(error);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(Number(target.port || 80), target.hostname.replace(/^\[|\]$/g, ''), resolve);
  });
  const { port } = http.address() as AddressInfo;
  const redirectUri = opts.redirectUri ?? `http://127.0.0.1:${port}${target.pathname}`;
  const timer = setTimeout(
    () =>
      settle?.reject(
        new Error(`no redirect arrived within ${timeoutSeconds} s; run tollgate login again`),
      ),
    timeoutSeconds * 1000,
  );
  try {
    const client = createClient({
      ...server,
      clientId: opts.clientId,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      redirectUri,
      scopes: opts.scope,
      store,
      trustedAccountsServers: opts.trustAccountsServer,
    });
    const request = client.authorizationUrl({
      accessType: opts.offline ? 'offline' : 'online',
      ...(opts.promptConsent ? { prompt: 'consent' as const } : {}),
    });
    handle = (url) => client.handleCallback(url);
    process.stderr.write(
      `Open this URL in a browser to sign in:\n\n  ${request.url}\n\nWaiting for the redirect to ${redirectUri} ...\n`,
    );
    if (opts.open) openBrowser(request.url);
    const tokens = await done;
    await store.setSettings(
      encodeProfileSettings({
        ...server,
        clientId: opts.clientId,
        clientSecret,
        redirectUri: opts.redirectUri,
        scopes: opts.scope,
      }),
    );
    process.stderr.write(`${describeTokens(tokens, tokenProfile, tokenFile)}\n`);
  } finally {
    clearTimeout(timer);
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  }
}

/** Registers `tollgate login`. */
export function register(program: Command): void {
  addTokenProfileOptions(program.command('login'))
    .description(
      'Sign in through the browser (loopback redirect, or --device: a code typed on any device) and save the tokens to a profile',
    )
    .option('--dc <dc>', 'Zoho data centre: us, eu, in, au, jp, ca, sa, uk, cn')
    .option('--accounts-url <url>', 'accounts server URL, e.g. a Tollgate server')
    .requiredOption('--client-id <id>', 'the client ID')
    .option(
      '--client-secret <secret>',
      'the client secret (or TOLLGATE_CLIENT_SECRET); omit for public clients',
    )
    .option('--scope <scopes>', 'scope(s), comma- or space-separated; repeatable', collect, [])
    .option('--offline', 'ask for a refresh token (access_type=offline)')
    .option(
      '--prompt-consent',
      'show the consent page again (prompt=consent): yields a new refresh token',
    )
    .option(
      '--redirect-uri <uri>',
      'loopback redirect URI to listen on (default http://127.0.0.1:<free port>/callback)',
    )
    .option(
      '--device',
      "Zoho's device flow: print a verification URL and a code to type on any device, and poll until approved",
    )
    .option('--no-open', 'do not try to open a browser')
    .option(
      '--timeout <seconds>',
      'give up waiting for the redirect (or the device approval) after this long',
      '300',
    )
    .option(
      '--trust-accounts-server <url>',
      'another accounts server the callback may name; repeatable',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .action((opts: LoginOptions) => login(opts));
}
