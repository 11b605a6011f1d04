/**
 * Several Tollgate instances on one PostgreSQL schema, each with its own store (its own pool and
 * revocation listener), as separate servers would be; and a user, an app and a way to get tokens
 * from any of them. Used by the multi-instance tests of SPEC R15.6 and R15.7.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { parseConfig, type ConfigInput } from '../../src/core/config.ts';
import { mintCode } from '../../src/core/codes.ts';
import { registerConfidentialClient } from '../../src/core/registration.ts';
import { buildApp } from '../../src/server/app.ts';
import type { KyselyStore } from '../../src/store/kysely/kysely-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store, User } from '../../src/store/types.ts';
import { postForm } from './server.ts';
import type { StoreKind } from './stores.ts';

export interface Instances {
  urls: string[];
  apps: FastifyInstance[];
  stores: Store[];
  /** The schema all instances share, and its URL (for a CLI process). */
  schema: string;
  location: string;
  stop(): Promise<void>;
}

/** Starts `count` instances on one fresh schema of `kind` (PostgreSQL). */
export async function startInstances(
  kind: StoreKind,
  count: number,
  config: ConfigInput = {},
): Promise<Instances> {
  const { location, cleanup } = await kind.location();
  const schema = new URL(location).searchParams.get('schema') ?? 'public';
  const stores: Store[] = [];
  const apps: FastifyInstance[] = [];
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const store = await openStore(location);
    stores.push(store);
    const app = await buildApp(parseConfig({ logLevel: 'silent', ...config }), store);
    apps.push(app);
    urls.push(await app.listen({ port: 0, host: '127.0.0.1' }));
  }
  return {
    urls,
    apps,
    stores,
    schema,
    location,
    async stop() {
      for (const app of apps) await app.close();
      for (const store of stores) await store.close();
      await cleanup();
    },
  };
}

export const REDIRECT_URI = 'https://multi.example.com/cb';

/** A user and a confidential app in the shared store, and a code exchange on any instance. */
export async function grantFixture(store: Store) {
  const now = Date.now();
  const created = await store.createUser(
    {
      email: `multi-${Math.random().toString(36).slice(2)}@example.com`,
      passwordHash: 'x',
      firstName: 'M',
      lastName: 'I',
      displayName: 'MI',
    },
    now,
  );
  if (created.outcome !== 'created') throw new Error('user exists already');
  const user: User = created.user;
  const { client, clientSecret } = await registerConfidentialClient(
    store,
    {
      name: 'Multi',
      domain: 'https://multi.example.com',
      redirectUris: [REDIRECT_URI],
      type: 'server',
    },
    null,
    now,
  );
  /** A fresh code for the user (no throttle), minted straight into the store. */
  const code = async (): Promise<string> =>
    (
      await mintCode(store, {
        clientId: client.clientId,
        zuid: user.zuid,
        scopes: ['AaaServer.profile.READ'],
        redirectUri: REDIRECT_URI,
        offline: true,
        codeChallenge: null,
        codeChallengeMethod: null,
        state: null,
        lifetimeSeconds: 120,
        now: Date.now(),
        throttle: null,
      })
    ).code;
  const exchange = (url: string, c: string) =>
    postForm(url, '/oauth/v2/token', {
      grant_type: 'authorization_code',
      code: c,
      client_id: client.clientId,
      client_secret: clientSecret,
      redirect_uri: REDIRECT_URI,
    });
  const refresh = (url: string, refreshToken: string) =>
    postForm(url, '/oauth/v2/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
      client_secret: clientSecret,
    });
  return { user, client, clientSecret, code, exchange, refresh };
}

/** Deletes an access token row behind every instance's back (no revocation signal). */
export async function deleteAccessTokenRow(store: Store, tokenHash: string): Promise<void> {
  await sql`delete from access_tokens where token_hash = ${tokenHash}`.execute(
    (store as KyselyStore).db,
  );
}

/**
 * Calls user info with a token: 200 when it was accepted (the profile came back), 401 when it
 * was refused (the zoho profile answers refusals with HTTP 200 and an error body, SPEC R0).
 */
export async function cacheProbe(url: string, token: string): Promise<200 | 401> {
  const res = await fetch(`${url}/oauth/user/info`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status === 200 && typeof body.ZUID === 'number') return 200;
  expect(body).toMatchObject({ error: { code: 1003 } });
  return 401;
}
