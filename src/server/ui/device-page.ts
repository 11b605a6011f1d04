/**
 * The device flow's verification page (SPEC R13.2): a field labelled `Code` and a button
 * `Continue`; what went wrong with a typed code; and the result once the person answered.
 */
import { html } from './html.ts';
import { page } from './layout.ts';

export interface DeviceCodePageOptions {
  email: string;
  csrfToken: string;
  /** Why the last code was refused, if it was. */
  error?: string;
  /** The code as typed, shown again so a typo can be fixed. */
  typed?: string;
  /** The page takes no more codes (too many wrong ones). */
  locked?: boolean;
}

/** The form where the person types the code their device shows. */
export function deviceCodePage({
  email,
  csrfToken,
  error,
  typed,
  locked = false,
}: DeviceCodePageOptions): string {
  const body = html`<div class="card">
<h1>Connect a device</h1>
<p>Type the code your device shows to connect it to your account.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
${
  locked
    ? ''
    : html`<form method="post" action="/oauth/v3/device">
<input type="hidden" name="_csrf" value="${csrfToken}">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required value="${typed ?? ''}">
<div class="actions"><button type="submit">Continue</button></div>
</form>`
}
</div>`;
  return page({ title: 'Connect a device', body, signedInAs: email, csrfToken });
}

/** After the person answered on the consent page. */
export function deviceDonePage({
  email,
  csrfToken,
  approved,
  appName,
}: {
  email: string;
  csrfToken: string;
  approved: boolean;
  appName: string;
}): string {
  const body = approved
    ? html`<div class="card" data-device="approved"><h1>Device connected</h1>
<p><span class="app-name">${appName}</span> can now use your account. Go back to your device: it continues on its own.</p></div>`
    : html`<div class="card" data-device="denied"><h1>Request denied</h1>
<p><span class="app-name">${appName}</span> gets no access. You can close this page.</p></div>`;
  return page({
    title: approved ? 'Device connected' : 'Request denied',
    body,
    signedInAs: email,
    csrfToken,
  });
}
