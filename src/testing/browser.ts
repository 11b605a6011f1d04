/**
 * A person's browser, in plain HTTP: a cookie jar, and the sign-in and consent steps of the
 * authorization flow done the way a browser submits the forms (CSRF token included). Nothing
 * here reaches past the server's pages, so every check of the real flow applies.
 */

/** A minimal cookie jar over fetch; redirects are returned, not followed. */
export class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  private keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line))
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The Cookie header this browser sends. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.base), {
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.keep(res);
    return res;
  }

  async post(
    path: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await fetch(new URL(path, this.base), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: this.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });
    this.keep(res);
    return res;
  }
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&quot;': '"',
  '&#39;': "'",
  '&lt;': '<',
  '&gt;': '>',
};

/** Undoes the escaping of Tollgate's page templates. */
export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|quot|#39|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** The value of a hidden input in an HTML page. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (match?.[1] === undefined) throw new Error(`no hidden field ${name} in the page`);
  return unescapeHtml(match[1]);
}

/** The error code and message of one of Tollgate's error pages, if the page is one. */
export function readErrorPage(html: string): { error: string; description: string } | undefined {
  const message = unescapeHtml(/<p class="error"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '');
  const code = /data-error="([^"]*)"/.exec(html)?.[1];
  if (code !== undefined) return { error: unescapeHtml(code), description: message };
  // The sign-in page shown again: the password was wrong, or sign-ins are throttled.
  if (html.includes('name="password"')) return { error: 'sign_in_failed', description: message };
  return undefined;
}

/** What the person does on the consent page. */
export type ConsentDecision = 'accept' | 'deny';

/** Where the browser ended: the app's redirect URI, or a page of Tollgate's own. */
export type BrowserOutcome = { redirect: URL } | { page: { status: number; html: string } };

/**
 * Opens an authorization URL and does what a person would: signs in when the sign-in page is
 * shown, then accepts (or denies) on the consent page when it is shown.
 */
export async function walkAuthorization(
  browser: Browser,
  user: { email: string; password: string },
  url: string,
  decision: ConsentDecision = 'accept',
): Promise<BrowserOutcome> {
  let res = await browser.get(url);
  let html = res.status === 200 ? await res.text() : '';
  if (res.status === 200 && html.includes('name="password"')) {
    const login = await browser.post('/login', {
      _csrf: hiddenField(html, '_csrf'),
      // The form's own field, as a browser sends it (it may differ from the URL: prompt=login).
      return_to: hiddenField(html, 'return_to'),
      email: user.email,
      password: user.password,
    });
    if (login.status !== 303) return { page: { status: login.status, html: await login.text() } };
    res = await browser.get(login.headers.get('location') ?? '/');
    html = res.status === 200 ? await res.text() : '';
  }
  if (res.status === 200 && html.includes('value="accept"')) {
    // The consent form says where it goes (authorization, or Zoho's addextrascope).
    const beforeAccept = html.slice(0, html.indexOf('value="accept"'));
    const forms = [...beforeAccept.matchAll(/<form method="post" action="([^"]+)"/g)];
    const action = forms.at(-1)?.[1] ?? '/oauth/v2/auth';
    res = await browser.post(action, {
      _csrf: hiddenField(html, '_csrf'),
      request: hiddenField(html, 'request'),
      decision,
    });
    html = '';
  }
  const location = res.headers.get('location');
  if (res.status === 302 && location) return { redirect: new URL(location) };
  return { page: { status: res.status, html: html || (await res.text()) } };
}
