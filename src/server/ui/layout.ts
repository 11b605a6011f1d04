/**
 * The shared page frame: one stylesheet, readable on a phone, no inline script.
 */
import { html, type SafeHtml } from './html.ts';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Shown top right when someone is signed in. */
  signedInAs?: string;
  /**
   * For the Sign out form. A page that has none (a 404 answered outside the pages) links to
   * `GET /logout`, which asks before signing out.
   */
  csrfToken?: string;
}

export function page({ title, body, signedInAs, csrfToken }: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Tollgate</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="/">Tollgate</a>
${
  signedInAs
    ? html`<nav><a class="nav-link" href="/console">Console</a> <a class="nav-link" href="/account/connected-apps">Connected apps</a> <a class="nav-link" href="/account/activity">Activity</a>
${
  csrfToken === undefined
    ? html`<a class="nav-link" href="/logout">Sign out ${signedInAs}</a>`
    : html`<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${csrfToken}"><button class="nav-link" type="submit">Sign out ${signedInAs}</button></form>`
}</nav>`
    : ''
}
</header>
<main>
${body}
</main>
</body>
</html>`.value;
}

export const STYLESHEET = `
:root { --fg:#1d2330; --muted:#5b6475; --accent:#1f5fd1; --bad:#b3261e; --bg:#f6f7fb; --card:#fff; --line:#d9dde7; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header.top { display:flex; flex-wrap:wrap; gap:1rem; align-items:center; justify-content:space-between; padding:.75rem 1.25rem; background:var(--card); border-bottom:1px solid var(--line); }
header.top nav { display:flex; flex-wrap:wrap; gap:1rem; align-items:center; }
.brand { font-weight:700; color:var(--fg); text-decoration:none; }
main { max-width:46rem; margin:1.5rem auto; padding:0 1rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:1.25rem 1.5rem; margin-bottom:1rem; }
h1 { font-size:1.5rem; margin:.25rem 0 1rem; }
h2 { font-size:1.15rem; margin:1.25rem 0 .5rem; }
label { display:block; font-weight:600; margin:.75rem 0 .25rem; }
input[type=text], input[type=email], input[type=password], input[type=url], select, textarea { width:100%; padding:.55rem .6rem; border:1px solid var(--line); border-radius:6px; font:inherit; }
textarea { min-height:5rem; }
button, .button { display:inline-block; padding:.55rem 1.1rem; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; font:inherit; cursor:pointer; text-decoration:none; }
button.secondary, .button.secondary { background:#fff; color:var(--accent); }
button.danger { background:var(--bad); border-color:var(--bad); }
.nav-link, button.nav-link { background:none; border:none; border-radius:0; padding:0; color:var(--accent); font:inherit; text-decoration:none; cursor:pointer; }
.nav-link:hover, .nav-link:focus-visible { text-decoration:underline; }
form.inline { display:inline; }
.actions { display:flex; gap:.75rem; margin-top:1.25rem; flex-wrap:wrap; }
.error { color:var(--bad); font-weight:600; }
.field-error { color:var(--bad); font-size:.9rem; margin:.25rem 0 0; }
.muted { color:var(--muted); }
ul.scopes { padding-left:1.2rem; }
ul.plain { list-style:none; padding:0; margin:0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.9rem; }
pre { background:#0f1420; color:#e6e9f0; padding:.75rem; border-radius:6px; overflow-x:auto; white-space:pre-wrap; word-break:break-all; }
table { width:100%; border-collapse:collapse; }
.hint { color:var(--muted); font-size:.9rem; margin:0 0 .25rem; }
.has-error input, .has-error textarea, .has-error select { border-color:var(--bad); }
.notice { padding:.6rem .8rem; border-radius:6px; background:#e8f1e4; border:1px solid #9cc48c; }
.notice.warn { background:#fff5d6; border-color:#e0c060; }
.copyable { display:flex; gap:.5rem; align-items:flex-start; margin:.25rem 0 .75rem; }
.copyable pre, .copyable code { flex:1; min-width:0; margin:0; }
code.secret { display:block; padding:.5rem .6rem; background:#eef1f7; border-radius:6px; word-break:break-all; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.25rem 1rem; margin:0; }
dl.facts dt { font-weight:600; }
dl.facts dd { margin:0; word-break:break-all; }
fieldset { border:1px solid var(--line); border-radius:6px; margin:.75rem 0; padding:.5rem .75rem; }
fieldset legend { font-weight:600; padding:0 .25rem; }
.scope-list { max-height:18rem; overflow-y:auto; }
.scope-list label { font-weight:400; display:flex; gap:.5rem; align-items:flex-start; margin:.35rem 0; }
input[type=checkbox] { width:1.5rem; height:1.5rem; flex:none; margin:0; accent-color:var(--accent); }
ol.steps { padding-left:1.5rem; }
ol.steps > li { margin-bottom:1rem; }
main code { overflow-wrap:anywhere; }
.step-done { color:#2c7a2c; font-weight:600; }
.app-list li { margin:.35rem 0; }
.card > h2:first-child, .card > h1:first-child { margin-top:0; }
.connected-app dl.facts { margin:.75rem 0; }
@media (max-width: 32rem) { dl.facts { grid-template-columns:1fr; } .copyable { flex-direction:column; } main { padding:0 .5rem; } .card { padding:1rem; } }
th, td { text-align:left; padding:.4rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
`;
