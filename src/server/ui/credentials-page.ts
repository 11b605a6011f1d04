/**
 * Shown right after an app is created or its secret rotated: Client ID and Client Secret (the
 * secret only this once: Tollgate keeps its hash), a ready-made authorization URL and the curl
 * command of the token step, so the seed's next two steps can be copied as they are.
 */
import { isPublicClient } from '../../core/registration.ts';
import type { Client, User } from '../../store/types.ts';
import { copyable, notice } from './components.ts';
import { html } from './html.ts';
import { page } from './layout.ts';

/** Quotes a value for a POSIX shell. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The authorization request of SPEC R3.1 for this app, with placeholders the developer replaces. */
export function authorizationUrl(issuer: string, client: Client): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    scope: 'AaaServer.profile.READ',
    redirect_uri: client.redirectUris[0] ?? '',
    access_type: 'offline',
    state: 'STATE',
  });
  if (isPublicClient(client.type)) {
    q.set('code_challenge', 'CODE_CHALLENGE');
    q.set('code_challenge_method', 'S256');
  }
  return `${issuer}/oauth/v2/auth?${q.toString()}`;
}

/** The token step (SPEC R4.2) as a curl command; self-client codes need no redirect_uri. */
export function tokenCurl(
  issuer: string,
  client: Client,
  clientSecret: string | undefined,
): string {
  const lines = [
    `curl -X POST ${shellQuote(`${issuer}/oauth/v2/token`)}`,
    '-d grant_type=authorization_code',
    `-d client_id=${client.clientId}`,
  ];
  if (isPublicClient(client.type)) lines.push('-d code_verifier=CODE_VERIFIER');
  else lines.push(`-d client_secret=${clientSecret ?? 'CLIENT_SECRET'}`);
  if (client.type !== 'self')
    lines.push(`--data-urlencode redirect_uri=${shellQuote(client.redirectUris[0] ?? '')}`);
  lines.push(
    client.type === 'self' ? '-d code=CODE_FROM_GENERATE_CODE' : '-d code=CODE_FROM_REDIRECT',
  );
  return lines.join(' \\\n  ');
}

export interface CredentialsPageOptions {
  user: User;
  csrfToken: string;
  client: Client;
  /** Undefined for a public app, which has no secret (RFC 6749 §2.1). */
  clientSecret: string | undefined;
  issuer: string;
  rotated: boolean;
}

export function credentialsPage({
  user,
  csrfToken,
  client,
  clientSecret,
  issuer,
  rotated,
}: CredentialsPageOptions): string {
  const heading = rotated
    ? html`New secret for <span class="app-name">${client.name}</span>`
    : html`<span class="app-name">${client.name}</span> is registered`;
  const body = html`<div class="card">
<h1>${heading}</h1>
${
  clientSecret === undefined
    ? ''
    : notice(
        rotated
          ? 'The old secret stopped working just now. Copy the new one: it is shown only this once.'
          : 'Copy the client secret now: it is shown only this once. Tollgate keeps only a hash of it.',
        'warn',
      )
}
<h2>Client ID</h2>
${copyable('client-id', client.clientId)}
<h2>Client Secret</h2>
${
  clientSecret === undefined
    ? html`<p id="client-secret">None. A ${client.type === 'mobile' ? 'mobile' : 'browser'} app cannot keep a secret, so it has none: it proves itself with PKCE (a fresh code verifier per sign-in) instead.</p>`
    : copyable('client-secret', clientSecret)
}
${
  client.type === 'self'
    ? html`<h2>Next: generate a code</h2>
<p>A self client gets its codes from its app page (<strong>Generate Code</strong>), not by redirect. Exchange one with:</p>`
    : html`<h2>Authorization URL</h2>
<p class="muted">Send people here to ask for access${isPublicClient(client.type) ? '; replace CODE_CHALLENGE with the S256 hash of your code verifier' : ''}.</p>
${copyable('authorization-url', authorizationUrl(issuer, client), true)}
<h2>Token request</h2>
<p class="muted">Exchange the code your redirect URI receives:</p>`
}
${copyable('token-curl', tokenCurl(issuer, client, clientSecret), true)}
<div class="actions"><a class="button" href="/console/apps/${client.clientId}">Go to the app page</a> <a class="button secondary" href="/console">Back to the console</a></div>
</div>`;
  return page({
    title: rotated ? 'New client secret' : 'App registered',
    body,
    signedInAs: user.email,
    csrfToken,
  });
}
