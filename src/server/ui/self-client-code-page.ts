/**
 * The result of Generate Code (SPEC R2): the code, its expiry, and `self_client.json` in the
 * shape Zoho's console downloads, offered as a data: link so it works without JavaScript.
 */
import type { Client, User } from '../../store/types.ts';
import { copyable, formatTime, notice } from './components.ts';
import { shellQuote } from './credentials-page.ts';
import { html } from './html.ts';
import { page } from './layout.ts';

export interface SelfClientFile {
  client_id: string;
  /** Null when the person did not paste the secret: Tollgate only has its hash. */
  client_secret: string | null;
  code: string;
  grant_type: 'authorization_code';
  /** Unix milliseconds, as Zoho writes it. */
  expiry_time: number;
}

export interface SelfClientCodePageOptions {
  user: User;
  csrfToken: string;
  client: Client;
  file: SelfClientFile;
  scopes: string[];
  issuer: string;
}

export function selfClientCodePage({
  user,
  csrfToken,
  client,
  file,
  scopes,
  issuer,
}: SelfClientCodePageOptions): string {
  const json = `${JSON.stringify(file, null, 2)}\n`;
  const href = `data:application/json;charset=utf-8,${encodeURIComponent(json)}`;
  const curl = [
    `curl -X POST ${shellQuote(`${issuer}/oauth/v2/token`)}`,
    '-d grant_type=authorization_code',
    `-d client_id=${client.clientId}`,
    `-d client_secret=${file.client_secret ?? 'YOUR_CLIENT_SECRET'}`,
    `-d code=${file.code}`,
  ].join(' \\\n  ');
  const body = html`<div class="card">
<h1>Code for <span class="app-name">${client.name}</span></h1>
${notice(`The code works once, until ${formatTime(file.expiry_time)}. It is shown only on this page.`, 'warn')}
<h2>Code</h2>
${copyable('self-client-code', file.code)}
<p>Scopes: ${scopes.map((s, i) => html`${i ? ', ' : ''}<code>${s}</code>`)}</p>
<p><a class="button" id="download-self-client" href="${href}" download="self_client.json">Download self_client.json</a></p>
${file.client_secret === null ? html`<p class="muted">The file's <code>client_secret</code> is empty: fill it in with your secret.</p>` : ''}
<h2>Exchange it</h2>
${copyable('self-client-curl', curl, true)}
<p><a href="/console/apps/${client.clientId}">Back to the app page</a></p>
</div>`;
  return page({ title: 'Self-client code', body, signedInAs: user.email, csrfToken });
}
