/**
 * Connected apps (SPEC R9): every app the person granted, its scopes in plain words, when it
 * was granted and last used, how many refresh tokens are live, and a Revoke button.
 */
import type { ScopeCatalogue } from '../../core/scopes.ts';
import type { ConnectedApp, User } from '../../store/types.ts';
import { csrfField, formatTime, notice } from './components.ts';
import { html } from './html.ts';
import { page } from './layout.ts';

export interface ConnectedAppsPageOptions {
  user: User;
  csrfToken: string;
  apps: ConnectedApp[];
  catalogue: ScopeCatalogue;
  message?: string;
}

export function connectedAppsPage({
  user,
  csrfToken,
  apps,
  catalogue,
  message,
}: ConnectedAppsPageOptions): string {
  const items = apps.map(
    (a) => html`<li class="card connected-app" aria-labelledby="app-${a.client.clientId}">
<h2 id="app-${a.client.clientId}" class="app-name">${a.client.name}</h2>
<p class="muted app-domain">${a.client.domain}</p>
<p>It can:</p>
<ul class="scopes">${a.scopes.map((s) => html`<li>${catalogue.find(s)?.description ?? s}</li>`)}</ul>
<dl class="facts">
<dt>Granted</dt><dd><time datetime="${new Date(a.grantedAt).toISOString()}">${formatTime(a.grantedAt)}</time></dd>
<dt>Last used</dt><dd>${a.lastUsedAt === null ? 'Never' : html`<time datetime="${new Date(a.lastUsedAt).toISOString()}">${formatTime(a.lastUsedAt)}</time>`}</dd>
<dt>Live refresh tokens</dt><dd class="live-refresh-tokens">${a.liveRefreshTokens}</dd>
</dl>
<form method="post" action="/account/connected-apps/${a.client.clientId}/revoke">
${csrfField(csrfToken)}
<div class="actions"><button type="submit" class="danger" aria-label="Revoke ${a.client.name}">Revoke</button></div>
</form>
</li>`,
  );
  const body = html`${notice(message)}
<div class="card">
<h1>Connected apps</h1>
<p class="muted">Apps you allowed to use your account. Revoking one ends its access at once; it has to ask you again next time.</p>
${apps.length ? '' : html`<p>No app has access to your account.</p>`}
</div>
<ul class="plain">${items}</ul>`;
  return page({ title: 'Connected apps', body, signedInAs: user.email, csrfToken });
}
