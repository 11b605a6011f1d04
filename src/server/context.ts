/**
 * What every endpoint needs: config, store, scope catalogue, the clock, and the public URLs.
 * The issuer may only be known once the server listens (port 0), so it is settable once.
 */
import { EmulatorClock } from '../core/clock.ts';
import { dataCentresOf, type Config } from '../core/config.ts';
import type { WireProfile } from '../core/profiles.ts';
import type { ScopeCatalogue } from '../core/scopes.ts';
import type { AccessTokenInfo, Client, Store, User } from '../store/types.ts';
import {
  createDpopChecker,
  type AccessTokenClaims,
  type DpopChecker,
  type TokenVerifier,
} from '@tollgate/resource';
import { hashSecret } from '../core/ids.ts';
import { createLocalVerifier, joinedUser } from './local-verifier.ts';
import { KeyRing } from '../core/signing-keys.ts';
import { Emulator } from './emulator/emulator.ts';
import { Metrics } from './metrics.ts';
import { AuditTrail } from './audit.ts';
import { TokenCache, type ClientWithSecret } from './token-cache.ts';

/** The demo user and app that `tollgate serve --demo` creates (the home page walks through them). */
export interface DemoCredentials {
  email: string;
  password: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** A grant's use is written at most this often per instance. */
const USE_RECORD_INTERVAL_MS = 60_000;
/** Grants remembered before the memory starts over (a few hundred kilobytes at most). */
const USE_RECORD_MEMORY = 10_000;

export interface ServerContextOptions {
  /** The source of time (default: an {@link EmulatorClock} at real time, SPEC R12.1). */
  clock?: EmulatorClock;
  /** The data centre this app serves (default: the first of `--data-centres`, SPEC R13.1). */
  dataCentre?: string;
  /**
   * The emulator's faults and request log, shared by every data centre of a process (default: a
   * new one when `--emulator` is on), so the controls act on all of them, like the clock.
   */
  emulator?: Emulator;
}

export class ServerContext {
  readonly config: Config;
  readonly store: Store;
  readonly scopes: ScopeCatalogue;
  /** The one source of time (SPEC R12.1); the emulator moves it. */
  readonly clock: EmulatorClock;
  /** The clock's time, in Unix milliseconds. */
  readonly now: () => number;
  /** The emulator's faults and request log, when `--emulator` is on (SPEC R12). */
  readonly emulator: Emulator | undefined;
  /** Prometheus metrics, when `--metrics` is on (SPEC R15.2). */
  readonly metrics: Metrics | undefined;
  /** Validated access tokens (SPEC R15.6), when `--token-cache-ttl` is above 0. */
  readonly tokenCache: TokenCache | undefined;
  /** Audit events: a row and a log line each (SPEC R15.3). */
  readonly audit: AuditTrail;
  /** Local access-token validation, shared by user info and the API (one cache per instance). */
  readonly tokens: TokenVerifier;
  /** DPoP proof checks (SPEC R14.7), for the token endpoint and the resources; replays per store. */
  readonly dpop: DpopChecker;
  /** Signing keys (SPEC R13.3): ID tokens, the JWK Set, and JWT access tokens (R14.8). */
  readonly keys: KeyRing;
  /** Every route of the app, as registered (for tests and docs that cover each endpoint). */
  readonly routes: { method: string; url: string }[] = [];
  /** The data centre this app serves, and every data centre of the process (SPEC R13.1). */
  readonly dataCentre: string;
  readonly dataCentres: readonly string[];
  private issuerUrl: string;
  /** When this instance last recorded each grant's use, by ZUID then client (see `recordUse`). */
  private readonly usesRecorded = new Map<number, Map<string, number>>();
  private usesRemembered = 0;
  private demoCredentials: DemoCredentials | undefined;
  private locationUrls: Readonly<Record<string, string>> | undefined;

  constructor(
    config: Config,
    store: Store,
    scopes: ScopeCatalogue,
    options: ServerContextOptions = {},
  ) {
    this.config = config;
    this.store = store;
    this.scopes = scopes;
    const clock = options.clock ?? new EmulatorClock();
    this.clock = clock;
    this.now = () => clock.now();
    this.emulator = config.emulator ? (options.emulator ?? new Emulator()) : undefined;
    this.metrics = config.metrics ? new Metrics({ poolStats: () => store.poolStats() }) : undefined;
    this.audit = new AuditTrail(store, this.now);
    this.tokenCache =
      config.tokenCacheTtl > 0
        ? new TokenCache({
            ttlMs: config.tokenCacheTtl * 1000,
            now: this.now,
            poll: () => store.pollRevocations(),
          })
        : undefined;
    this.dataCentres = dataCentresOf(config);
    this.dataCentre = options.dataCentre ?? (this.dataCentres[0] as string);
    const isFirst = this.dataCentre === this.dataCentres[0];
    this.dpop = createDpopChecker({
      now: this.now,
      iatWindowSeconds: config.dpopIatWindow,
      // Every instance sharing the store refuses a proof any of them has seen.
      replay: (key, expiresAt) => store.recordDpopProof(hashSecret(key), expiresAt),
    });
    const local = createLocalVerifier({
      mode: 'local',
      store,
      // The token with its user in one read: user info then needs no second one (SPEC R16).
      read: (hash) => store.findAccessTokenWithUser(hash),
      now: this.now,
      dpop: this.dpop,
      ...(this.tokenCache ? { cache: this.tokenCache } : {}),
      // A token works only in its data centre, its user's home (SPEC R13.1).
      ...(this.isMultiDc
        ? {
            accept: async (info: { zuid: number; user?: User | undefined }) => {
              const user = 'user' in info ? info.user : await this.findUser(info.zuid);
              return user !== undefined && this.homeOf(user) === this.dataCentre;
            },
          }
        : {}),
    });
    // Every accepted access token is a use of its grant (Connected apps' "Last used").
    this.tokens = {
      verifyAccessToken: async (header, request) => {
        const claims = await local.verifyAccessToken(header, request);
        const recording = this.recordUse(claims.userId, claims.clientId);
        if (recording) await recording;
        return claims;
      },
    };
    this.keys = new KeyRing({
      store,
      now: this.now,
      tokenLifetimeMs: config.accessTokenTtl * 1000,
    });
    // --issuer names the first data centre; the others are known once they listen.
    this.issuerUrl =
      (isFirst ? config.issuer : undefined) ?? `http://${config.host}:${config.port}`;
    this.ownIssuer = isFirst && config.issuer !== undefined;
  }

  private readonly ownIssuer: boolean;

  /**
   * Records that a user's grant to a client was used (code exchange, refresh, token use), for
   * *Connected apps*. Coarse on purpose: at most one write per grant per minute from this
   * instance, so an API call costs no write; a failed write never fails the request.
   */
  recordUse(zuid: number, clientId: string): Promise<void> | undefined {
    const now = this.now();
    let byClient = this.usesRecorded.get(zuid);
    const last = byClient?.get(clientId);
    // The common case (recorded within the minute) returns at once, without a promise.
    if (last !== undefined && now - last < USE_RECORD_INTERVAL_MS && now >= last) return undefined;
    if (last === undefined && this.usesRemembered >= USE_RECORD_MEMORY) {
      this.usesRecorded.clear();
      this.usesRemembered = 0;
      byClient = undefined;
    }
    if (byClient === undefined) {
      byClient = new Map();
      this.usesRecorded.set(zuid, byClient);
    }
    if (!byClient.has(clientId)) this.usesRemembered++;
    byClient.set(clientId, now);
    return this.store.recordGrantUse(zuid, clientId, now).catch(() => {
      // Bookkeeping only: the request it describes has already succeeded.
    });
  }

  /** An access token by hash, through the validated-token cache when it is on (SPEC R15.6). */
  findAccessToken(hash: string): Promise<AccessTokenInfo | undefined> {
    return this.tokenCache
      ? this.tokenCache.lookup(hash, (h) => this.store.findAccessToken(h))
      : this.store.findAccessToken(hash);
  }

  /**
   * A client with its secret hash, for client authentication, through the cache when it is on
   * (SPEC R16): every write of a client row empties it, as a revocation does (SPEC R15.6).
   */
  findClient(clientId: string): Promise<ClientWithSecret | undefined> {
    return this.tokenCache
      ? this.tokenCache.client(clientId, (id) => this.store.findClient(id))
      : this.store.findClient(clientId);
  }

  /** A user by ZUID, through the validated-token cache when it is on (SPEC R15.6). */
  findUser(zuid: number): Promise<User | undefined> {
    return this.tokenCache
      ? this.tokenCache.user(zuid, (z) => this.store.findUser(z))
      : this.store.findUser(zuid);
  }

  /**
   * The user of a token ctx.tokens verified: the one its read joined (SPEC R16: user info in one
   * read), else by ZUID through the cache.
   */
  userOf(claims: AccessTokenClaims): Promise<User | undefined> {
    const joined = joinedUser(claims);
    return joined === undefined
      ? this.findUser(claims.userId)
      : Promise.resolve(joined ?? undefined);
  }

  /** Public base URL, sent as `accounts-server` and in metadata. */
  get issuer(): string {
    return this.issuerUrl;
  }

  /** Called by `serve` once the real address is known, when no issuer was configured. */
  setListeningAddress(url: string): void {
    if (!this.ownIssuer) this.issuerUrl = url.replace(/\/+$/, '');
  }

  /** Whether this process serves more than one data centre. */
  get isMultiDc(): boolean {
    return this.dataCentres.length > 1;
  }

  /** Every data centre's URL, once all listen (`/oauth/serverinfo`, SPEC R13.1). */
  get locations(): Readonly<Record<string, string>> {
    return this.locationUrls ?? { [this.dataCentre]: this.issuer };
  }

  setLocations(urls: Readonly<Record<string, string>>): void {
    this.locationUrls = Object.freeze({ ...urls });
  }

  /** A user's home data centre (default: the first). */
  homeOf(user: Pick<User, 'dc'>): string {
    return user.dc ?? (this.dataCentres[0] as string);
  }

  /** The accounts server of a data centre. */
  urlOf(dataCentre: string): string {
    return this.locations[dataCentre] ?? this.issuer;
  }

  /** The demo user and app, when the server runs with `--demo` (the home page walkthrough uses them). */
  get demo(): DemoCredentials | undefined {
    return this.demoCredentials;
  }

  setDemo(demo: DemoCredentials): void {
    this.demoCredentials = demo;
  }

  /** Sent as `api_domain`: the API beside Tollgate, never a real Zoho host (SPEC R4.3). */
  get apiDomain(): string {
    // --api-domain names the first data centre's API; the others serve their own (SPEC R13.1).
    const configured = this.dataCentre === this.dataCentres[0] ? this.config.apiDomain : undefined;
    return configured ?? this.issuer;
  }

  /** A client's own profile overrides the server's (SPEC R0). */
  profileFor(client: Pick<Client, 'profile'> | undefined): WireProfile {
    return client?.profile ?? this.config.profile;
  }
}
