/**
 * The consent page (SPEC R9): the app's name and domain, each scope in plain words, and the
 * buttons Accept and Deny. The original authorization request travels in a hidden field and
 * is validated again when the form comes back.
 */
import type { ScopeCatalogue } from '../../core/scopes.ts';
import type { Client, User } from '../../store/types.ts';
import { html, type SafeHtml } from './html.ts';
import { page } from './layout.ts';

export interface ConsentPageOptions {
  client: Client;
  user: User;
  scopes: string[];
  offline: boolean;
  catalogue: ScopeCatalogue;
  /** The authorization request's query string. */
  request: string;
  csrfToken: string;
  /** Where the form goes (default: the authorization endpoint). */
  action?: string;
}

/**
 * Who vouches for the app's name: for a metadata-document client (SPEC R14.4) the host that
 * publishes its document; a dynamically registered one (R14.3) named itself.
 */
function identityNote(client: Client): SafeHtml | string {
  if (client.registration === 'metadata-document')
    return html`<p>App identity published by <strong class="app-host">${new URL(client.clientId).host}</strong></p>`;
  if (client.registration === 'dynamic')
    return html`<p class="muted">This app registered itself; its name has not been checked.</p>`;
  return '';
}

export function consentPage({
  client,
  user,
  scopes,
  offline,
  catalogue,
  request,
  csrfToken,
  action = '/oauth/v2/auth',
}: ConsentPageOptions): string {
  const items = scopes.map(
    (s) =>
      html`<li>${catalogue.find(s)?.description ?? s} <span class="muted">(<code>${s}</code>)</span></li>`,
  );
  const body = html`<div class="card">
<h1><span class="app-name">${client.name}</span> wants to access your account</h1>
<p>App website: <span class="app-domain">${client.domain}</span></p>
${identityNote(client)}
<p>Signed in as <strong>${user.email}</strong>. If you accept, the app will be able to:</p>
<ul class="scopes">${items}</ul>
${offline ? html`<p class="muted">The app asks for offline access: it can keep using these permissions while you are away, until you remove it from your connected apps.</p>` : ''}
<form method="post" action="${action}">
<input type="hidden" name="_csrf" value="${csrfToken}">
<input type="hidden" name="request" value="${request}">
<div class="actions">
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>
</div>`;
  return page({ title: `Allow ${client.name}?`, body, signedInAs: user.email, csrfToken });
}
