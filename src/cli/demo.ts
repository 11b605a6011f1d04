/**
 * First run: a demo user and a demo app (and the SalesIQ-style API's demo portal, of which the
 * demo user is a member), so `npm start` shows the whole flow at once. The
 * plaintext credentials are kept beside the database (mode 0600) so every start can print them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../core/passwords.ts';
import { registerConfidentialClient } from '../core/registration.ts';
import { salesIqStoreFor } from '../store/open-store.ts';
import type { Store, User } from '../store/types.ts';
import { ensureDemoPortal } from '../api/demo-portal.ts';
import type { DemoCredentials } from '../server/context.ts';

export type { DemoCredentials };

export const DEMO_EMAIL = 'demo@tollgate.local';

/** Where the demo's credentials are kept: beside a SQLite file (absolute), or nowhere. */
export function demoCredentialsFile(dbLocation: string): string | undefined {
  return dbLocation.startsWith('postgres') || dbLocation === ':memory:'
    ? undefined
    : resolve(dirname(dbLocation), 'demo-credentials.json');
}

/** The redirect URI of the demo app: the walkthrough's own callback page. */
export const demoRedirectUri = (issuer: string): string => `${issuer}/demo/callback`;

/** Creates the demo user; another instance starting on the same database may have won the race. */
async function createDemoUser(store: Store, password: string, now: number): Promise<User> {
  const result = await store.createUser(
    {
      email: DEMO_EMAIL,
      passwordHash: await hashPassword(password),
      firstName: 'Demo',
      lastName: 'User',
      displayName: 'Demo User',
    },
    now,
  );
  if (result.outcome === 'email-taken')
    throw new Error(`${DEMO_EMAIL} was created meanwhile by another instance; start again.`);
  return result.user;
}

/** Creates the demo user and app once; on later starts, reads them back and follows the issuer. */
export async function ensureDemo(
  store: Store,
  dbLocation: string,
  issuer: string,
  now: number,
): Promise<DemoCredentials> {
  const file = demoCredentialsFile(dbLocation);
  const redirectUri = demoRedirectUri(issuer);
  const salesIq = salesIqStoreFor(store);
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
    const client = await store.findClient(saved.clientId);
    const savedUser = await store.findUserByEmail(saved.email);
    if (client && savedUser) {
      await ensureDemoPortal(salesIq, savedUser, now);
      if (!client.redirectUris.includes(redirectUri)) {
        await store.updateClient(client.clientId, {
          redirectUris: [...client.redirectUris, redirectUri].slice(-20),
        });
      }
      return { ...saved, redirectUri };
    }
  }
  const password = randomBytes(9).toString('base64url');
  const existing = await store.findUserByEmail(DEMO_EMAIL);
  const user = existing ?? (await createDemoUser(store, password, now));
  await ensureDemoPortal(salesIq, user, now);
  const { client, clientSecret } = await registerConfidentialClient(
    store,
    { name: 'Tollgate Demo App', domain: issuer, redirectUris: [redirectUri], type: 'server' },
    user.zuid,
    now,
  );
  const creds: DemoCredentials = {
    email: DEMO_EMAIL,
    password,
    clientId: client.clientId,
    clientSecret,
    redirectUri,
  };
  if (existing) {
    // The user predates the credentials file: give it the new password so the printed one works.
    await store.setUserPassword(user.zuid, await hashPassword(password));
  }
  if (file) writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}
