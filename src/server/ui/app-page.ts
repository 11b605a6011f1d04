/**
 * One app's page in the console: its facts, the edit form, Rotate secret, Delete (which asks
 * for confirmation on a page of its own, so it works without JavaScript), and for a self client
 * the Generate Code form (SPEC R2).
 */
import { isEnabledIn } from '../../core/data-centres.ts';
import { isPublicClient } from '../../core/registration.ts';
import type { ScopeCatalogue } from '../../core/scopes.ts';
import type { Client, User } from '../../store/types.ts';
import { clientFields, type ClientFormValues, type ClientProblems } from './console-page.ts';
import { csrfField, describedBy, field, formatTime, notice } from './components.ts';
import { html, type SafeHtml } from './html.ts';
import { page } from './layout.ts';

/** Lifetimes a self-client code may have, in minutes (SPEC R2). */
export const CODE_LIFETIMES = [3, 5, 7, 10] as const;

export interface CodeFormValues {
  scopes: string[];
  lifetime: string;
  description: string;
}

export type CodeProblems = Partial<
  Record<'scopes' | 'lifetime' | 'description' | 'clientSecret', string>
>;

export interface AppPageOptions {
  user: User;
  csrfToken: string;
  client: Client;
  catalogue: ScopeCatalogue;
  values?: ClientFormValues;
  problems?: ClientProblems;
  code?: CodeFormValues;
  codeProblems?: CodeProblems;
  message?: string;
  /** The data centres this server serves; with more than one, the "Multi DC" section shows. */
  dataCentres?: readonly string[];
}

export const formValuesOf = (client: Client): ClientFormValues => ({
  name: client.name,
  domain: client.domain,
  redirectUris: client.redirectUris.join('\n'),
  type: client.type,
});

function generateCodeForm(
  client: Client,
  catalogue: ScopeCatalogue,
  csrfToken: string,
  values: CodeFormValues,
  problems: CodeProblems,
): SafeHtml {
  const chosen = new Set(values.scopes.map((s) => s.toLowerCase()));
  const boxes = catalogue.entries.map(
    (e) =>
      html`<label><input type="checkbox" name="scope" value="${e.name}"${chosen.has(e.name.toLowerCase()) ? html` checked` : ''}> <span>${e.description} <code class="muted">${e.name}</code></span></label>`,
  );
  const lifetimes = CODE_LIFETIMES.map(
    (m) =>
      html`<option value="${m}"${values.lifetime === String(m) ? html` selected` : ''}>${m} minutes</option>`,
  );
  return html`<div class="card">
<h2 id="code-heading">Generate Code</h2>
<p class="muted">A code for your own account, exchanged at <code>/oauth/v2/token</code> without a redirect URI.</p>
<form method="post" action="/console/apps/${client.clientId}/code" aria-labelledby="code-heading" novalidate>
${csrfField(csrfToken)}
<fieldset${describedBy('scopes', false, problems.scopes)}><legend>Scopes</legend>
${problems.scopes ? html`<p class="field-error" id="scopes-error" role="alert">${problems.scopes}</p>` : ''}
<div class="scope-list">${boxes}</div>
</fieldset>
${field({
  id: 'code-lifetime',
  label: 'Time Duration',
  problem: problems.lifetime,
  control: html`<select id="code-lifetime" name="lifetime"${describedBy('code-lifetime', false, problems.lifetime)}>${lifetimes}</select>`,
})}
${field({
  id: 'code-description',
  label: 'Description',
  hint: 'What the code is for (up to 200 characters).',
  problem: problems.description,
  control: html`<input id="code-description" name="description" type="text" maxlength="400" value="${values.description}"${describedBy('code-description', true, problems.description)}>`,
})}
${field({
  id: 'code-secret',
  label: 'Client Secret (optional)',
  hint: 'Tollgate keeps only a hash of the secret, so paste it here to have it written into self_client.json.',
  problem: problems.clientSecret,
  control: html`<input id="code-secret" name="client_secret" type="password" autocomplete="off" value=""${describedBy('code-secret', true, problems.clientSecret)}>`,
})}
<div class="actions"><button type="submit">Generate Code</button></div>
</form>
</div>`;
}

export function appPage({
  user,
  csrfToken,
  client,
  catalogue,
  values,
  problems = {},
  code,
  codeProblems = {},
  message,
  dataCentres = [],
}: AppPageOptions): string {
  const isSelf = client.type === 'self';
  const body = html`${notice(message)}
<div class="card">
<h1 class="app-name">${client.name}</h1>
<dl class="facts">
<dt>Client ID</dt><dd><code id="client-id">${client.clientId}</code></dd>
<dt>Client Type</dt><dd>${client.type}</dd>
<dt>Client Domain</dt><dd>${client.domain}</dd>
${isSelf ? '' : html`<dt>Redirect URIs</dt><dd>${client.redirectUris.map((u) => html`<div>${u}</div>`)}</dd>`}
<dt>Created</dt><dd>${formatTime(client.createdAt)}</dd>
</dl>
</div>
${isSelf ? generateCodeForm(client, catalogue, csrfToken, code ?? { scopes: [], lifetime: '3', description: '' }, codeProblems) : ''}
<div class="card">
<h2 id="edit-heading">Edit</h2>
${Object.keys(problems).length ? html`<p class="error" role="alert">Nothing was saved: please correct the fields marked below.</p>` : ''}
<form method="post" action="/console/apps/${client.clientId}" aria-labelledby="edit-heading" novalidate>
${csrfField(csrfToken)}
${clientFields(values ?? formValuesOf(client), problems, !isSelf)}
<div class="actions"><button type="submit">Save</button></div>
</form>
</div>
${dataCentres.length > 1 ? multiDcForm(client, dataCentres, csrfToken) : ''}
<div class="card">
<h2>Secret</h2>
${
  isPublicClient(client.type)
    ? html`<p class="muted">None: a public app cannot keep a secret, so it signs people in with PKCE.</p>`
    : html`<p class="muted">Rotating issues a new client secret; the old one stops working at once.</p>
<form method="post" action="/console/apps/${client.clientId}/rotate-secret">${csrfField(csrfToken)}<button type="submit" class="secondary">Rotate secret</button></form>`
}
<h2>Delete</h2>
<p class="muted">Deleting the app revokes every code and token it holds.</p>
<a class="button secondary" href="/console/apps/${client.clientId}/delete">Delete</a>
</div>
<p><a href="/console">Back to the console</a></p>`;
  return page({ title: client.name, body, signedInAs: user.email, csrfToken });
}

/**
 * Zoho's "Multi DC" setting (SPEC R13.1): the data centres whose people may authorize the app.
 * One client id everywhere; a person of a data centre left unchecked gets an error page.
 */
function multiDcForm(client: Client, dataCentres: readonly string[], csrfToken: string): SafeHtml {
  const boxes = dataCentres.map(
    (dc) =>
      html`<label><input type="checkbox" name="dc" value="${dc}"${isEnabledIn(client.dataCentres, dc) ? html` checked` : ''}> ${dc.toUpperCase()}</label>`,
  );
  return html`<div class="card">
<h2 id="multi-dc-heading">Multi DC</h2>
<p class="muted">People whose account lives in a data centre that is not checked cannot authorize this app.</p>
<form method="post" action="/console/apps/${client.clientId}/data-centres" aria-labelledby="multi-dc-heading">
${csrfField(csrfToken)}
<fieldset><legend>Enabled data centres</legend>${boxes}</fieldset>
<div class="actions"><button type="submit" class="secondary">Save Multi DC</button></div>
</form>
</div>`;
}

export function deleteConfirmPage({
  user,
  csrfToken,
  client,
}: {
  user: User;
  csrfToken: string;
  client: Client;
}): string {
  const body = html`<div class="card">
<h1>Delete <span class="app-name">${client.name}</span>?</h1>
<p>Every code, access token and refresh token of this app stops working at once, and people who granted it access will have to authorize it again if it is registered anew. This cannot be undone.</p>
<form method="post" action="/console/apps/${client.clientId}/delete">
${csrfField(csrfToken)}
<div class="actions"><button type="submit" class="danger">Delete</button> <a class="button secondary" href="/console/apps/${client.clientId}">Cancel</a></div>
</form>
</div>`;
  return page({ title: `Delete ${client.name}?`, body, signedInAs: user.email, csrfToken });
}
