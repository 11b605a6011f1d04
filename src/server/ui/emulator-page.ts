/**
 * The emulator's page at `/_emulator` (SPEC R12.3): the live request log (newest first, filters
 * by endpoint and client, a row expands to what was sent and answered), the clock and the fault
 * rules. The page is a shell; its script (served at /_emulator/page.js, the CSP forbids inline
 * scripts) reads and drives the JSON control API, building every element with textContent.
 */
import { html } from './html.ts';
import { page } from './layout.ts';

/** The fault presets offered on the page: a label and the rule it adds. */
export const FAULT_PRESETS: readonly { label: string; rule: Record<string, unknown> }[] = [
  { label: 'Throttle the next token request', rule: { endpoint: 'token', action: 'throttle' } },
  {
    label: 'Throttle the next refresh',
    rule: { endpoint: 'token', action: 'throttle', when: { grant_type: 'refresh_token' } },
  },
  {
    label: 'invalid_code on the next code exchange',
    rule: { endpoint: 'token', action: 'invalid_code', when: { grant_type: 'authorization_code' } },
  },
  {
    label: 'Server error on the next token request',
    rule: { endpoint: 'token', action: 'server_error' },
  },
  {
    label: 'Delay the next user info by 2 s',
    rule: { endpoint: 'userinfo', action: 'delay', delay_ms: 2000 },
  },
  { label: 'Drop the next token request', rule: { endpoint: 'token', action: 'drop' } },
];

const ENDPOINTS = ['token', 'authorize', 'userinfo', 'revoke', 'introspect', 'device', 'api'];

export function emulatorPage(): string {
  const body = html`<div class="card emulator">
<h1>Emulator</h1>
<section aria-labelledby="clock-heading">
<h2 id="clock-heading">Clock</h2>
<p>Server time: <output id="clock-now">…</output> <span class="muted" id="clock-offset"></span></p>
<p class="actions">
<button type="button" data-advance="60">+1 min</button>
<button type="button" data-advance="3600">+1 hour</button>
<button type="button" data-advance="86400">+1 day</button>
<button type="button" id="clock-reset">Reset</button>
</p>
</section>
<section aria-labelledby="faults-heading">
<h2 id="faults-heading">Faults</h2>
<p><label for="fault-preset">Preset</label>
<select id="fault-preset">${FAULT_PRESETS.map((p, i) => html`<option value="${String(i)}">${p.label}</option>`)}</select>
<button type="button" id="fault-add">Add fault</button></p>
<ul id="faults"></ul>
<p class="muted" id="faults-empty">No faults: every request is served normally.</p>
</section>
<section aria-labelledby="requests-heading">
<h2 id="requests-heading">Requests</h2>
<p class="filters"><label for="filter-endpoint">Endpoint</label>
<select id="filter-endpoint"><option value="">All</option>${ENDPOINTS.map((e) => html`<option value="${e}">${e}</option>`)}</select>
<label for="filter-client">Client ID</label> <input id="filter-client" type="text" autocomplete="off">
<button type="button" id="requests-clear">Clear log</button></p>
<ol id="requests" reversed></ol>
<p class="muted" id="requests-empty">No requests yet. Newest appear at the top.</p>
</section>
</div>`;
  return page({ title: 'Emulator', body }).replace(
    '<script src="/assets/app.js" defer></script>',
    '<script src="/assets/app.js" defer></script>\n<script src="/_emulator/page.js" defer></script>',
  );
}

/** The page's script: polls the control API and renders with textContent only. */
export function emulatorScript(): string {
  return `
(function () {
  var presets = ${JSON.stringify(FAULT_PRESETS.map((p) => p.rule))};
  var $ = function (id) { return document.getElementById(id); };
  function api(method, path, body) {
    return fetch('/_emulator/' + path, {
      method: method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function showClock(c) {
    $('clock-now').textContent = new Date(c.now).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    $('clock-offset').textContent = c.offset_ms ? '(' + Math.round(c.offset_ms / 1000) + ' s ahead of real time)' : '(real time)';
  }
  function showFaults(list) {
    var ul = $('faults');
    ul.textContent = '';
    list.faults.forEach(function (f) {
      var li = el('li', f.action + ' on ' + f.endpoint + (f.when ? ' ' + JSON.stringify(f.when) : '') + ', ' + f.times + ' left ');
      var b = el('button', 'Remove');
      b.type = 'button';
      b.setAttribute('aria-label', 'Remove fault ' + f.id);
      b.addEventListener('click', function () { api('DELETE', 'faults/' + encodeURIComponent(f.id)).then(refresh); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    $('faults-empty').hidden = list.faults.length > 0;
  }
  function showRequests(list) {
    var ol = $('requests');
    ol.textContent = '';
    list.requests.slice().reverse().forEach(function (r) {
      var li = el('li', undefined, 'request-row');
      var d = el('details');
      var s = el('summary', r.method + ' ' + r.path + ' → ' + (r.status || 'dropped') + ' · ' + r.endpoint + (r.client_id ? ' · ' + r.client_id : '') + (r.fault_id ? ' · fault ' + r.fault_id : '') + ' · ' + r.duration_ms + ' ms');
      d.appendChild(s);
      d.appendChild(el('h3', 'Request'));
      d.appendChild(el('pre', JSON.stringify(r.params, null, 2), 'http-request'));
      d.appendChild(el('h3', 'Response'));
      d.appendChild(el('pre', JSON.stringify(r.response, null, 2), 'http-response'));
      li.appendChild(d);
      if (open[r.id]) d.open = true;
      d.addEventListener('toggle', function () { open[r.id] = d.open; });
      ol.appendChild(li);
    });
    $('requests-empty').hidden = list.requests.length > 0;
  }
  var open = {};
  function query() {
    var q = new URLSearchParams();
    if ($('filter-endpoint').value) q.set('endpoint', $('filter-endpoint').value);
    if ($('filter-client').value.trim()) q.set('client_id', $('filter-client').value.trim());
    return 'requests?' + q.toString();
  }
  function refresh() {
    return Promise.all([api('GET', 'clock'), api('GET', 'faults'), api('GET', query())]).then(function (all) {
      showClock(all[0]); showFaults(all[1]); showRequests(all[2]);
    });
  }
  document.querySelectorAll('button[data-advance]').forEach(function (b) {
    b.addEventListener('click', function () {
      api('POST', 'clock', { advance_seconds: Number(b.getAttribute('data-advance')) }).then(refresh);
    });
  });
  $('clock-reset').addEventListener('click', function () { api('DELETE', 'clock').then(refresh); });
  $('fault-add').addEventListener('click', function () {
    api('POST', 'faults', presets[Number($('fault-preset').value)]).then(refresh);
  });
  $('requests-clear').addEventListener('click', function () { api('DELETE', 'requests').then(refresh); });
  $('filter-endpoint').addEventListener('change', refresh);
  $('filter-client').addEventListener('input', refresh);
  refresh();
  setInterval(refresh, 1000);
})();
`;
}
