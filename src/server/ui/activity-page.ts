/**
 * Account activity (SPEC R15.3): the signed-in person's own recent sign-ins and consents, from
 * the audit events. Read-only; the address shown is the one Tollgate saw.
 */
import type { AuditEvent, User } from '../../store/types.ts';
import { formatTime } from './components.ts';
import { html } from './html.ts';
import { page } from './layout.ts';

export interface ActivityPageOptions {
  user: User;
  csrfToken: string;
  signIns: AuditEvent[];
  consents: (AuditEvent & { appName: string })[];
}

const REASONS: Record<string, string> = {
  wrong_password: 'Wrong password',
  disabled: 'Account disabled',
};

function when(at: number) {
  return html`<time datetime="${new Date(at).toISOString()}">${formatTime(at)}</time>`;
}

export function activityPage({ user, csrfToken, signIns, consents }: ActivityPageOptions): string {
  const signInRows = signIns.map(
    (e) => html`<tr class="sign-in ${e.outcome}">
<td>${when(e.at)}</td>
<td>${e.outcome === 'success' ? 'Signed in' : `Failed: ${REASONS[String(e.detail.reason)] ?? 'refused'}`}</td>
<td>${e.ip ?? 'unknown'}</td>
</tr>`,
  );
  const consentRows = consents.map(
    (e) => html`<tr class="consent ${e.outcome}">
<td>${when(e.at)}</td>
<td>${e.appName}</td>
<td>${e.outcome === 'success' ? 'Allowed' : 'Denied'}</td>
<td>${String(e.detail.scopes ?? '')}</td>
</tr>`,
  );
  const body = html`<div class="card">
<h1>Account activity</h1>
<p class="muted">Recent sign-ins to your account and the apps you allowed or denied. If you see a sign-in that was not you, change your password and revoke apps you do not know under <a href="/account/connected-apps">Connected apps</a>.</p>
</div>
<div class="card">
<h2 id="sign-ins">Sign-ins</h2>
${
  signIns.length
    ? html`<table aria-labelledby="sign-ins"><thead><tr><th>When</th><th>What</th><th>From address</th></tr></thead>
<tbody>${signInRows}</tbody></table>`
    : html`<p>No sign-ins recorded.</p>`
}
</div>
<div class="card">
<h2 id="consents">Consents</h2>
${
  consents.length
    ? html`<table aria-labelledby="consents"><thead><tr><th>When</th><th>App</th><th>Answer</th><th>Scopes</th></tr></thead>
<tbody>${consentRows}</tbody></table>`
    : html`<p>No consents recorded.</p>`
}
</div>`;
  return page({ title: 'Account activity', body, signedInAs: user.email, csrfToken });
}
