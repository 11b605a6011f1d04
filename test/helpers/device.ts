/**
 * The device flow as tests drive it (SPEC R13.2): Zoho's initiation and polling requests, and
 * the person answering on the verification page through its forms.
 */
import { Browser, postForm } from './server.ts';
import { walkAuthorization, type ConsentDecision } from '../../src/testing/browser.ts';

export const SCOPE = 'AaaServer.profile.READ';
export type App = { clientId: string; clientSecret: string };
export type Person = { email: string; password: string };

/** POST /oauth/v3/device/code as Zoho's initiation request. */
export function requestDeviceCode(
  s: { url: string },
  app: App,
  extra: Record<string, string> = {},
) {
  return postForm(s.url, '/oauth/v3/device/code', {
    client_id: app.clientId,
    grant_type: 'device_request',
    scope: SCOPE,
    access_type: 'offline',
    ...extra,
  });
}

/** POST /oauth/v3/device/token as Zoho's polling request. */
export function pollZoho(s: { url: string }, app: App, code: string) {
  return postForm(s.url, '/oauth/v3/device/token', {
    client_id: app.clientId,
    client_secret: app.clientSecret,
    grant_type: 'device_token',
    code,
  });
}

/** The person opens the verification URL, signs in and answers the consent page. */
export async function answerOnPage(
  base: string,
  person: Person,
  userCode: string,
  decision: ConsentDecision = 'accept',
): Promise<string> {
  const outcome = await walkAuthorization(
    new Browser(base),
    person,
    `/oauth/v3/device?user_code=${encodeURIComponent(userCode)}`,
    decision,
  );
  if (!('page' in outcome)) throw new Error(`redirected to ${outcome.redirect.toString()}`);
  return outcome.page.html;
}
