/**
 * Issue 17, point 10: small defects of the pages. The icon browsers ask for on every page is
 * served; an error page keeps the navigation of a signed-in person; an unknown app says so in
 * words; the navigation links share the "Sign out" button's class. A page that does not exist
 * keeps the navigation too, with Sign out as a link to a page that asks first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { Browser, hiddenField, signIn, startServer, type TestServer } from '../helpers/server.ts';

/** The navigation of a signed-in page, as layout.ts writes it. */
const nav = (email: string): string[] => [
  '<a class="nav-link" href="/console">Console</a>',
  '<a class="nav-link" href="/account/connected-apps">Connected apps</a>',
  '<a class="nav-link" href="/account/activity">Activity</a>',
  `<button class="nav-link" type="submit">Sign out ${email}</button>`,
];

describe.each(storeKinds)('issue 17 point 10: page defects on $name', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { throttle: false });
  });
  afterAll(() => server.close());

  const signedIn = async (): Promise<{ browser: Browser; email: string }> => {
    const user = await server.addUser();
    const browser = new Browser(server.url);
    expect((await signIn(browser, user.email, user.password, '/console')).status).toBe(303);
    return { browser, email: user.email };
  };

  it('/favicon.ico is an SVG icon with caching headers, and every page links it', async () => {
    const res = await fetch(`${server.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    const svg = await res.text();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">')).toBe(
      true,
    );
    const home = await (await fetch(`${server.url}/`)).text();
    expect(home).toContain('<link rel="icon" href="/favicon.ico" type="image/svg+xml">');
  });

  it('an unknown app in the console is a 404 page that says so in words and keeps the navigation', async () => {
    const { browser, email } = await signedIn();
    const res = await browser.get('/console/apps/1000.NOSUCHAPP');
    expect(res.status).toBe(404);
    const page = await res.text();
    expect(page).toContain('<title>Not found · Tollgate</title>');
    expect(page).toContain('<h1>Not found</h1>');
    expect(page).toContain('<p class="error">No app with that ID is in your console.</p>');
    expect(page).not.toContain('Error code');
    expect(page).not.toContain('<code>invalid_request</code>');
    for (const link of nav(email)) expect(page).toContain(link);
  });

  it('an error page for a refused form keeps the navigation, and its Sign out works', async () => {
    const { browser, email } = await signedIn();
    // A form posted without its CSRF token is refused before the page's own code runs.
    const refused = await browser.post('/console/apps', { name: 'x' });
    expect(refused.status).toBe(403);
    const page = await refused.text();
    expect(page).toContain('data-error="invalid_request"');
    expect(page).toContain(
      '<p class="error">This form has expired or did not come from this site. Go back, reload the page and try again.</p>',
    );
    expect(page).toContain('<p class="muted">Error code: <code>invalid_request</code></p>');
    for (const link of nav(email)) expect(page).toContain(link);
    const out = await browser.post('/logout', { _csrf: hiddenField(page, '_csrf') });
    expect(out.status).toBe(303);
    expect((await browser.get('/console')).status).toBe(303);
  });

  it('a page that does not exist keeps the navigation when signed in; its Sign out asks first, then works', async () => {
    const { browser, email } = await signedIn();
    const res = await browser.get('/nothing-here');
    expect(res.status).toBe(404);
    const page = await res.text();
    expect(page).toContain('<p class="error">There is nothing at GET /nothing-here.</p>');
    for (const link of nav(email).slice(0, 3)) expect(page).toContain(link);
    // Outside the pages there is no CSRF token for a form: Sign out is a link to a page that asks.
    expect(page).toContain(`<a class="nav-link" href="/logout">Sign out ${email}</a>`);
    const ask = await browser.get('/logout');
    expect(ask.status).toBe(200);
    const askPage = await ask.text();
    expect(askPage).toContain('<h1>Sign out?</h1>');
    expect((await browser.get('/console')).status).toBe(200);
    const out = await browser.post('/logout', { _csrf: hiddenField(askPage, '_csrf') });
    expect(out.status).toBe(303);
    expect((await browser.get('/console')).status).toBe(303);
    const after = await browser.get('/logout');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/');
  });

  it('an error page for someone signed out has no navigation', async () => {
    const res = await fetch(`${server.url}/nothing-here`);
    expect(res.status).toBe(404);
    const page = await res.text();
    expect(page).toContain('<h1>Not found</h1>');
    expect(page).toContain('<p class="error">There is nothing at GET /nothing-here.</p>');
    expect(page).not.toContain('nav-link');
  });

  it('the navigation links and "Sign out" share one class on every signed-in page', async () => {
    const { browser, email } = await signedIn();
    for (const path of ['/console', '/account/connected-apps', '/account/activity']) {
      const page = await (await browser.get(path)).text();
      for (const link of nav(email)) expect(page).toContain(link);
      const navHtml = /<nav>([\s\S]*?)<\/nav>/.exec(page)?.[1] ?? '';
      expect([...navHtml.matchAll(/<(a|button) class="([^"]+)"/g)].map((m) => m[2])).toEqual([
        'nav-link',
        'nav-link',
        'nav-link',
        'nav-link',
      ]);
    }
  });
});
