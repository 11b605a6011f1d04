/**
 * The home page. With the demo app (`npm start`), a live walkthrough of the seed's steps: each
 * step is done for real and shows the HTTP request and response. Without it, how to register
 * an app.
 */
import type { DemoCredentials } from '../context.ts';
import type { User } from '../../store/types.ts';
import type { Exchange, StepName, Walkthrough } from '../walkthrough.ts';
import { csrfField } from './components.ts';
import { html, type SafeHtml } from './html.ts';
import { page } from './layout.ts';

export interface HomePageOptions {
  issuer: string;
  user: User | undefined;
  csrfToken: string;
}

function exchangeView(e: Exchange | undefined): SafeHtml {
  if (!e) return html``;
  return html`<div class="exchange"><h3>Request</h3><pre class="http-request">${e.request}</pre><h3>Response</h3><pre class="http-response">${e.response}</pre></div>`;
}

function stepButton(step: StepName, label: string, enabled: boolean, csrfToken: string): SafeHtml {
  return html`<form method="post" action="/demo/${step}">${csrfField(csrfToken)}<button type="submit"${enabled ? '' : html` disabled`}>${label}</button></form>`;
}

export function walkthroughPage({
  user,
  csrfToken,
  demo,
  walkthrough: w,
  authorizationUrl,
  problem,
}: HomePageOptions & {
  demo: DemoCredentials;
  walkthrough: Walkthrough;
  authorizationUrl: string;
  problem?: string;
}): string {
  const revoked = w.steps.revoke?.status === 200;
  const body = html`<div class="card">
<h1>The OAuth flow, step by step</h1>
<p>This server runs with a demo app, <strong>Tollgate Demo App</strong>. Walk through the steps of Zoho's “Generate OAuth Token” guide: each one below is done for real against this server, and shows the HTTP request and response (tokens masked).</p>
<dl class="facts">
<dt>Demo user</dt><dd><code>${demo.email}</code> · password <code id="demo-password">${demo.password}</code></dd>
<dt>Client ID</dt><dd><code>${demo.clientId}</code></dd>
<dt>Redirect URI</dt><dd><code>${demo.redirectUri}</code></dd>
</dl>
</div>
${problem ? html`<p class="notice warn" role="alert">${problem}</p>` : ''}
<ol class="steps">
<li id="step-authorize" class="card"><h2>Start the authorization</h2>
<p>The app sends the browser to the authorization URL, asking for offline access (a refresh token) with <code>prompt=consent</code> so the consent page shows every time:</p>
<pre>${authorizationUrl}</pre>
<a class="button" href="${authorizationUrl}">Start the authorization</a></li>
<li id="step-consent" class="card"><h2>Sign in and accept</h2>
<p>Tollgate asks you to sign in (as the demo user above), then shows the consent page: <strong>Accept</strong> sends a code to the app, <strong>Deny</strong> sends <code>error=access_denied</code>.</p>
${user ? html`<p class="muted">You are signed in as ${user.email}.</p>` : ''}</li>
<li id="step-code" class="card"><h2>The app receives the code</h2>
${
  w.callbackUrl
    ? html`<p>Tollgate sent the browser back to:</p><pre>${w.callbackUrl}</pre>
${w.code ? html`<p>Code (single use, valid for a short time): <code id="demo-code">${w.code}</code></p>` : html`<p class="error">${w.denied ?? ''}</p>`}`
    : html`<p class="muted">Not yet: start the authorization above.</p>`
}</li>
<li id="step-exchange" class="card"><h2>Exchange the code for tokens</h2>
<p>The app posts the code with its client ID and secret to the token endpoint.</p>
${stepButton('exchange', 'Exchange the code', w.code !== undefined, csrfToken)}
${exchangeView(w.steps.exchange)}</li>
<li id="step-userinfo" class="card"><h2>Call user info with the access token</h2>
<p>The access token goes in the header <code>Authorization: Zoho-oauthtoken …</code>${revoked ? ' (try it again now: the revoked refresh token took its access tokens with it)' : ''}.</p>
${stepButton('userinfo', 'Call user info', w.accessToken !== undefined, csrfToken)}
${exchangeView(w.steps.userinfo)}</li>
<li id="step-refresh" class="card"><h2>Get a new access token with the refresh token</h2>
${stepButton('refresh', 'Refresh the access token', w.refreshToken !== undefined, csrfToken)}
${exchangeView(w.steps.refresh)}</li>
<li id="step-revoke" class="card"><h2>Revoke the refresh token</h2>
${stepButton('revoke', 'Revoke the refresh token', w.refreshToken !== undefined, csrfToken)}
${exchangeView(w.steps.revoke)}</li>
</ol>
<form method="post" action="/demo/reset">${csrfField(csrfToken)}<button type="submit" class="secondary">Start over</button></form>`;
  return page({ title: 'Walkthrough', body, signedInAs: user?.email, csrfToken });
}

/** Without the demo app: what Tollgate is and how to register an app. */
export function welcomePage({ issuer, user, csrfToken }: HomePageOptions): string {
  const body = html`<div class="card">
<h1>Tollgate</h1>
<p>An OAuth 2.0 authorization server that speaks Zoho Accounts' protocol.</p>
<h2>Register an app</h2>
<ol>
${user ? '' : html`<li>No account yet? Make one on the server's machine: <pre>npx tollgate user add --email you@example.com --password 'at least 8 characters'</pre></li>`}
<li>${user ? html`Open the <a href="/console">developer console</a>` : html`<a href="/login?return_to=%2Fconsole">Sign in</a> and open the developer console`}.</li>
<li>Enter the Client Name, Client Domain and Authorized Redirect URI, and click <strong>Create</strong>: you get a client ID and a client secret.</li>
<li>Send people to <code>${issuer}/oauth/v2/auth</code>, then exchange the code at <code>${issuer}/oauth/v2/token</code>.</li>
</ol>
<p>Or from the command line:</p>
<pre>npx tollgate client add --name "My App" --domain https://example.com --redirect-uri https://example.com/callback --owner you@example.com</pre>
<p class="muted"><code>--owner</code> makes the app yours, so it appears in your developer console.</p>
<p class="muted">Run <code>npm start</code> (<code>tollgate serve --demo</code>) for a demo app and a live walkthrough of the flow on this page.</p>
<p>Server metadata: <a href="/.well-known/oauth-authorization-server">/.well-known/oauth-authorization-server</a></p>
</div>`;
  return page({ title: 'Welcome', body, signedInAs: user?.email, csrfToken });
}
