/** The person's side of the code flow for `tollgate/testing`: one browser per person and server. */
import { Browser, readErrorPage, walkAuthorization, type ConsentDecision } from './browser.ts';
import type { AuthorizeResult, TestUser } from './types.ts';

/** The signature of the `open` function {@link authorizationOpener} returns. */
export type OpenAuthorization = (
  user: TestUser,
  path: string,
  consent: ConsentDecision | undefined,
  base?: string,
) => Promise<AuthorizeResult>;

/** Opens authorization URLs as people would, each in their own browser (sessions persist). */
export function authorizationOpener(url: string): OpenAuthorization {
  const browsers = new Map<string, Browser>();
  const open: OpenAuthorization = async (user, path, consent, base = url) => {
    const key = `${user.email} ${base}`;
    let browser = browsers.get(key);
    if (!browser) browsers.set(key, (browser = new Browser(base)));
    const outcome = await walkAuthorization(browser, user, path, consent);
    if ('page' in outcome) {
      const shown = readErrorPage(outcome.page.html) ?? {
        error: 'unexpected_page',
        description: `Tollgate answered ${outcome.page.status} with a page that is not an error page.`,
      };
      return {
        error: shown.error,
        errorDescription: shown.description,
        url: undefined,
        status: outcome.page.status,
      };
    }
    const p = outcome.redirect.searchParams;
    const state = p.get('state') ?? undefined;
    const code = p.get('code');
    if (code === null) {
      return {
        error: p.get('error') ?? 'unknown',
        errorDescription: p.get('error_description') ?? undefined,
        state,
        url: outcome.redirect.toString(),
      };
    }
    return {
      code,
      state,
      location: p.get('location') ?? undefined,
      accountsServer: p.get('accounts-server') ?? undefined,
      url: outcome.redirect.toString(),
    };
  };
  return open;
}
