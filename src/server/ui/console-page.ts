/**
 * The developer console (SPEC R2, R9): the list of a person's apps and the form that registers
 * one, with the labels Client Name, Client Domain, Authorized Redirect URIs, Client Type and the
 * button Create. Errors appear beside their field and the form keeps what was typed.
 */
import type { ClientField } from '../../core/registration.ts';
import type { Client, ClientType, User } from '../../store/types.ts';
import { csrfField, describedBy, field, notice } from './components.ts';
import { html, type SafeHtml } from './html.ts';
import { page } from './layout.ts';

/** What the person typed, kept as text so it can be shown back. */
export interface ClientFormValues {
  name: string;
  domain: string;
  redirectUris: string;
  type: string;
}

export type ClientProblems = Partial<Record<ClientField, string>>;

export const CLIENT_TYPE_LABELS: Record<ClientType, string> = {
  server: 'Server-based app (keeps a secret on its server)',
  client: 'Client-based app (runs in the browser; PKCE)',
  mobile: 'Mobile app (installed; PKCE)',
  self: 'Self client (your own account, no redirect)',
};

/** Splits the redirect URI box: one per line, blank lines ignored. */
export function splitRedirectUris(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The name, domain and redirect URI fields, shared by the create and edit forms. */
export function clientFields(
  values: ClientFormValues,
  problems: ClientProblems,
  withRedirectUris: boolean,
): SafeHtml {
  return html`${field({
    id: 'client-name',
    label: 'Client Name',
    problem: problems.name,
    control: html`<input id="client-name" name="name" type="text" maxlength="200" required value="${values.name}"${describedBy('client-name', false, problems.name)}>`,
  })}
${field({
  id: 'client-domain',
  label: 'Client Domain',
  hint: "Your app's home page, e.g. https://example.com",
  problem: problems.domain,
  control: html`<input id="client-domain" name="domain" type="url" required value="${values.domain}"${describedBy('client-domain', true, problems.domain)}>`,
})}
${
  withRedirectUris
    ? field({
        id: 'redirect-uris',
        label: 'Authorized Redirect URIs',
        hint: 'One per line, up to 20: https, or http on localhost / 127.0.0.1; mobile apps may use a scheme like com.example.app:/cb. A self client has none.',
        problem: problems.redirectUris,
        control: html`<textarea id="redirect-uris" name="redirect_uris" rows="3"${describedBy('redirect-uris', true, problems.redirectUris)}>${values.redirectUris}</textarea>`,
      })
    : ''
}`;
}

export interface ConsolePageOptions {
  user: User;
  csrfToken: string;
  clients: Client[];
  values?: ClientFormValues;
  problems?: ClientProblems;
  message?: string;
}

const EMPTY: ClientFormValues = { name: '', domain: '', redirectUris: '', type: 'server' };

export function consolePage({
  user,
  csrfToken,
  clients,
  values = EMPTY,
  problems = {},
  message,
}: ConsolePageOptions): string {
  const hasProblems = Object.keys(problems).length > 0;
  const list = clients.length
    ? html`<ul class="app-list">${clients.map(
        (c) =>
          html`<li><a href="/console/apps/${c.clientId}">${c.name}</a> <span class="muted">· ${c.type} · <code>${c.clientId}</code></span></li>`,
      )}</ul>`
    : html`<p class="muted">You have not registered any app yet.</p>`;
  const typeOptions = (Object.keys(CLIENT_TYPE_LABELS) as ClientType[]).map(
    (t) =>
      html`<option value="${t}"${values.type === t ? html` selected` : ''}>${CLIENT_TYPE_LABELS[t]}</option>`,
  );
  const body = html`${notice(message)}
<div class="card">
<h1>Developer console</h1>
<h2>Your apps</h2>
${list}
</div>
<div class="card">
<h2 id="create-heading">Register an app</h2>
${hasProblems ? html`<p class="error" role="alert">The app was not created: please correct the fields marked below.</p>` : ''}
<form method="post" action="/console/apps" aria-labelledby="create-heading" novalidate>
${csrfField(csrfToken)}
${field({
  id: 'client-type',
  label: 'Client Type',
  problem: problems.type,
  control: html`<select id="client-type" name="type"${describedBy('client-type', false, problems.type)}>${typeOptions}</select>`,
})}
${clientFields(values, problems, true)}
<div class="actions"><button type="submit">Create</button></div>
</form>
</div>`;
  return page({ title: 'Developer console', body, signedInAs: user.email, csrfToken });
}
