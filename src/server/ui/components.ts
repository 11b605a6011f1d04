/**
 * Small pieces shared by the console, self-client and connected-apps pages: labelled fields with
 * their error beside them, copyable values, and notices. Copy buttons start hidden and are
 * shown by /assets/app.js, so without JavaScript nothing is broken, only absent.
 */
import { html, type SafeHtml } from './html.ts';

export interface FieldOptions {
  id: string;
  label: string;
  control: SafeHtml;
  problem?: string | undefined;
  hint?: string;
}

/** A label, its control, a hint and the field's error, linked for assistive technology. */
export function field({ id, label, control, problem, hint }: FieldOptions): SafeHtml {
  return html`<div class="field${problem ? ' has-error' : ''}">
<label for="${id}">${label}</label>
${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
${control}
${problem ? html`<p class="field-error" id="${id}-error" role="alert">${problem}</p>` : ''}
</div>`;
}

/** aria attributes for a control whose field may have a hint and an error. */
export function describedBy(id: string, hasHint: boolean, problem: string | undefined): SafeHtml {
  const ids = [hasHint ? `${id}-hint` : '', problem ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`${ids ? html` aria-describedby="${ids}"` : ''}${problem ? html` aria-invalid="true"` : ''}`;
}

/** A value shown in full with a copy button (progressive enhancement). */
export function copyable(id: string, value: string, block = false): SafeHtml {
  const shown = block
    ? html`<pre id="${id}">${value}</pre>`
    : html`<code id="${id}" class="secret">${value}</code>`;
  return html`<div class="copyable">${shown}<button type="button" class="secondary copy" data-copy="${id}" hidden>Copy</button></div>`;
}

export function notice(text: string | undefined, kind: 'ok' | 'warn' = 'ok'): SafeHtml {
  return text ? html`<p class="notice ${kind}" role="status">${text}</p>` : html``;
}

/** The hidden CSRF field every form carries. */
export const csrfField = (token: string): SafeHtml =>
  html`<input type="hidden" name="_csrf" value="${token}">`;

/** Dates on pages: unambiguous and the same for everyone (UTC, to the minute). */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
