/** The sign-in page (SPEC R9: inputs labelled Email and Password, button Sign in). */
import { html } from './html.ts';
import { page } from './layout.ts';

export interface LoginPageOptions {
  returnTo: string;
  csrfToken: string;
  email?: string;
  error?: string;
}

export function loginPage({ returnTo, csrfToken, email, error }: LoginPageOptions): string {
  const body = html`<div class="card">
<h1>Sign in</h1>
<p class="muted">${returnTo.startsWith('/oauth/v2/auth') || returnTo.startsWith('/oauth/v3/device') ? 'Sign in to continue to the app that sent you here.' : 'Sign in to your Tollgate account.'}</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/login">
<input type="hidden" name="_csrf" value="${csrfToken}">
<input type="hidden" name="return_to" value="${returnTo}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
</div>`;
  return page({ title: 'Sign in', body });
}

/** Asks before signing out, for pages that link to sign-out rather than carry its form. */
export function signOutPage({ email, csrfToken }: { email: string; csrfToken: string }): string {
  const body = html`<div class="card">
<h1>Sign out?</h1>
<p>You are signed in as ${email}.</p>
<form method="post" action="/logout">
<input type="hidden" name="_csrf" value="${csrfToken}">
<div class="actions"><button type="submit">Sign out</button> <a href="/">Stay signed in</a></div>
</form>
</div>`;
  return page({ title: 'Sign out', body, signedInAs: email, csrfToken });
}
