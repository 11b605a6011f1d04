/** The {@link TollgateHandle} `startTollgate()` returns, over a listening server and its store. */
import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../core/errors.ts';
import { hashPassword } from '../core/passwords.ts';
import { isWireProfile } from '../core/profiles.ts';
import { CLIENT_TYPES, registerClient } from '../core/registration.ts';
import type { Store } from '../store/types.ts';
import type { DataCentreApps } from '../server/data-centres.ts';
import { authorizationOpener } from './authorize.ts';
import { emulatorControls } from './emulator-controls.ts';
import type {
  CreateClientOptions,
  PublicTestClient,
  TestClient,
  TestUser,
  TollgateHandle,
} from './types.ts';

/** The handle of a started Tollgate: its users, apps, authorizations and emulator controls. */
export function createHandle(listening: DataCentreApps, store: Store): TollgateHandle {
  const app = listening.apps[0] as FastifyInstance;
  const ctx = app.tollgate;
  const url = listening.addresses[ctx.dataCentre] as string;
  const locations = Object.freeze({ ...listening.addresses });
  const knownDc = (dc: string, where: string): string => {
    if (!ctx.dataCentres.includes(dc))
      throw new TollgateError(
        'testing_usage',
        `${where}: unknown data centre '${dc}' (this Tollgate serves ${ctx.dataCentres.join(', ')}).`,
      );
    return dc;
  };
  const passwords = new Map<string, string>();
  let stopping: Promise<void> | undefined;
  let users = 0;

  const findUser = (who: TestUser | string): TestUser => {
    const email = (typeof who === 'string' ? who : who.email).toLowerCase();
    const password = typeof who === 'string' ? passwords.get(email) : who.password;
    if (password === undefined)
      throw new TollgateError(
        'testing_usage',
        `authorize(): no user ${email} was created by this handle.`,
      );
    return { zuid: typeof who === 'string' ? 0 : who.zuid, email, password };
  };

  const ownerZuid = async (owner: CreateClientOptions['owner']): Promise<number | null> => {
    if (owner === undefined) return null;
    if (typeof owner === 'number') return owner;
    const email = typeof owner === 'string' ? owner : owner.email;
    const found = await store.findUserByEmail(email);
    if (!found)
      throw new TollgateError(
        'testing_usage',
        `createClient(): the owner ${email} does not exist.`,
      );
    return found.zuid;
  };
  const open = authorizationOpener(url);

  return {
    url,
    locations,

    ...emulatorControls(ctx),

    async createUser(o = {}) {
      const email =
        o.email ?? `user${++users}.${Math.random().toString(36).slice(2, 8)}@example.com`;
      const password = o.password ?? `pw-${Math.random().toString(36).slice(2)}`;
      const firstName = o.firstName ?? 'Test';
      const lastName = o.lastName ?? 'User';
      const result = await store.createUser(
        {
          email,
          passwordHash: await hashPassword(password),
          firstName,
          lastName,
          displayName: `${firstName} ${lastName}`,
          dc: o.dc === undefined ? null : knownDc(o.dc, 'createUser()'),
        },
        ctx.now(),
      );
      if (result.outcome === 'email-taken')
        throw new TollgateError('testing_usage', `createUser(): ${email} is taken.`);
      const { user } = result;
      passwords.set(user.email, password);
      return { zuid: user.zuid, email: user.email, password };
    },

    async createClient(o = {}) {
      const type = o.type ?? 'server';
      if (!CLIENT_TYPES.includes(type))
        throw new TollgateError(
          'testing_usage',
          `createClient(): type must be one of ${CLIENT_TYPES.join(', ')}.`,
        );
      if (o.profile !== undefined && !isWireProfile(o.profile))
        throw new TollgateError(
          'testing_usage',
          `createClient(): unknown profile ${String(o.profile)}.`,
        );
      const redirectUris =
        o.redirectUris ?? (type === 'self' ? [] : ['https://app.example.com/callback']);
      const { client, clientSecret } = await registerClient(
        store,
        {
          name: o.name ?? 'Test App',
          domain: 'https://app.example.com',
          redirectUris,
          type,
          profile: o.profile ?? null,
          ...(o.dataCentres === undefined
            ? {}
            : { dataCentres: o.dataCentres.map((dc) => knownDc(dc, 'createClient()')) }),
        },
        await ownerZuid(o.owner),
        ctx.now(),
      );
      // The overloads tie `clientSecret` to the type: a string exactly for confidential apps.
      const created: TestClient | PublicTestClient =
        clientSecret === undefined
          ? { clientId: client.clientId, clientSecret, redirectUris: client.redirectUris }
          : { clientId: client.clientId, clientSecret, redirectUris: client.redirectUris };
      return created as TestClient & PublicTestClient;
    },

    async authorize(o) {
      const user = findUser(o.user);
      const redirectUri = o.redirectUri ?? (await store.findClient(o.clientId))?.redirectUris[0];
      const query = new URLSearchParams({ response_type: 'code', client_id: o.clientId });
      if (redirectUri !== undefined) query.set('redirect_uri', redirectUri);
      query.set('scope', typeof o.scope === 'string' ? o.scope : o.scope.join(','));
      if (o.accessType !== undefined) query.set('access_type', o.accessType);
      if (o.prompt !== undefined) query.set('prompt', o.prompt);
      if (o.state !== undefined) query.set('state', o.state);
      if (o.codeChallenge !== undefined) query.set('code_challenge', o.codeChallenge);
      if (o.codeChallengeMethod !== undefined)
        query.set('code_challenge_method', o.codeChallengeMethod);
      for (const resource of typeof o.resource === 'string' ? [o.resource] : (o.resource ?? []))
        query.append('resource', resource);
      for (const [name, value] of Object.entries(o.extraParams ?? {})) query.set(name, value);
      const base = o.dc === undefined ? url : (locations[knownDc(o.dc, 'authorize()')] as string);
      return open(user, `/oauth/v2/auth?${query.toString()}`, o.consent, base);
    },

    openAuthorizationUrl(target, o) {
      const parsed = new URL(target, url);
      const base = Object.values(locations).find((dc) => new URL(dc).origin === parsed.origin);
      if (base === undefined) {
        throw new TollgateError(
          'testing_usage',
          `openAuthorizationUrl(): ${parsed.origin} is not this Tollgate (${url}).`,
        );
      }
      return open(findUser(o.user), parsed.pathname + parsed.search, o.consent, base);
    },

    stop() {
      stopping ??= (async () => {
        await listening.close();
        await store.close();
      })();
      return stopping;
    },
  };
}
