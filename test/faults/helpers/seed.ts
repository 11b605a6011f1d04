/**
 * Fills a store for fault tests and the soak: users, a self client (client_credentials), a
 * server client, and authorization codes minted directly on the store (offline, long-lived,
 * spread over the users so no user reaches the 20-refresh-token cap of SPEC R5.2).
 */
import { mintCode } from '../../../src/core/codes.ts';
import { hashPassword } from '../../../src/core/passwords.ts';
import { registerConfidentialClient } from '../../../src/core/registration.ts';
import { openStore } from '../../../src/store/open-store.ts';

export const SCOPE = 'AaaServer.profile.READ';
export const REDIRECT_URI = 'https://app.example.com/callback';

export interface Seed {
  self: { clientId: string; clientSecret: string };
  server: { clientId: string; clientSecret: string };
  /** Unused authorization codes for the server client (redirect URI REDIRECT_URI). */
  codes: string[];
}

export interface SeedOptions {
  users?: number;
  codes?: number;
}

/** Creates the fixtures in the store at `location` (migrating it) and closes it again. */
export async function seedStore(location: string, options: SeedOptions = {}): Promise<Seed> {
  const store = await openStore(location);
  try {
    const now = Date.now();
    const passwordHash = await hashPassword('correct horse battery');
    const users = [];
    for (let i = 0; i < (options.users ?? 10); i++) {
      const created = await store.createUser(
        {
          email: `fault${i}-${now}@example.com`,
          passwordHash,
          firstName: 'Fault',
          lastName: `User${i}`,
          displayName: `Fault User ${i}`,
        },
        now,
      );
      if (created.outcome !== 'created') throw new Error(`seedStore: fault${i} exists`);
      users.push(created.user);
    }
    const owner = users[0];
    if (!owner) throw new Error('seedStore needs at least one user');
    const self = await registerConfidentialClient(
      store,
      { name: 'Fault Self', domain: 'https://app.example.com', redirectUris: [], type: 'self' },
      owner.zuid,
      now,
    );
    const server = await registerConfidentialClient(
      store,
      {
        name: 'Fault App',
        domain: 'https://app.example.com',
        redirectUris: [REDIRECT_URI],
        type: 'server',
      },
      null,
      now,
    );
    const codes: string[] = [];
    for (let i = 0; i < (options.codes ?? 100); i++) {
      const user = users[i % users.length] ?? owner;
      const { code } = await mintCode(store, {
        clientId: server.client.clientId,
        zuid: user.zuid,
        scopes: [SCOPE],
        redirectUri: REDIRECT_URI,
        offline: true,
        codeChallenge: null,
        codeChallengeMethod: null,
        state: null,
        lifetimeSeconds: 24 * 3600,
        now,
        throttle: null,
      });
      codes.push(code);
    }
    return {
      self: { clientId: self.client.clientId, clientSecret: self.clientSecret },
      server: { clientId: server.client.clientId, clientSecret: server.clientSecret },
      codes,
    };
  } finally {
    await store.close();
  }
}
