/**
 * What every endpoint needs: config, store, scope catalogue, the clock, and the public URLs.
 * The issuer may only be known once the server listens (port 0), so it is settable once.
 */
import { EmulatorClock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { WireProfile } from '../core/profiles.ts';
import type { ScopeCatalogue } from '../core/scopes.ts';
import type { Client, Store } from '../store/types.ts';
import type { TokenVerifier } from '@tollgate/resource';
import { createLocalVerifier } from './local-verifier.ts';
import { KeyRing } from '../core/signing-keys.ts';
import { Emulator } from './emulator/emulator.ts';

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
  /** Local access-token validation, shared by user info and the API (one cache per instance). */
  readonly tokens: TokenVerifier;
  /** Signing keys (SPEC R13.3): ID tokens, the JWK Set, and JWT access tokens (R14.8). */
  readonly keys: KeyRing;
  /** Every route of the app, as registered (for tests and docs that cover each endpoint). */
  readonly routes: { method: string; url: string }[] = [];
  private issuerUrl: string;
  /** When this instance last recorded each grant's use (see `recordUse`). */
  private readonly usesRecorded = new Map<string, number>();
  private demoCredentials: DemoCredentials | undefined;

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
    this.emulator = config.emulator ? new Emulator() : undefined;
    const local = createLocalVerifier({
      mode: 'local',
      store,
      now: this.now,
      cacheTtlMs: config.tokenCacheTtl * 1000,
    });
    // Every accepted access token is a use of its grant (Connected apps' "Last used").
    this.tokens = {
      verifyAccessToken: async (header) => {
        const claims = await local.verifyAccessToken(header);
        await this.recordUse(claims.userId, claims.clientId);
        return claims;
      },
    };
    this.keys = new KeyRing({
      store,
      now: this.now,
      tokenLifetimeMs: config.accessTokenTtl * 1000,
    });
    this.issuerUrl = config.issuer ?? `http://${config.host}:${config.port}`;
  }

  /**
   * Records that a user's grant to a client was used (code exchange, refresh, token use), for
   * *Connected apps*. Coarse on purpose: at most one write per grant per minute from this
   * instance, so an API call costs no write; a failed write never fails the request.
   */
  async recordUse(zuid: number, clientId: string): Promise<void> {
    const key = `${zuid} ${clientId}`;
    const now = this.now();
    const last = this.usesRecorded.get(key);
    if (last !== undefined && now - last < USE_RECORD_INTERVAL_MS && now >= last) return;
    if (this.usesRecorded.size >= USE_RECORD_MEMORY) this.usesRecorded.clear();
    this.usesRecorded.set(key, now);
    try {
      await this.store.recordGrantUse(zuid, clientId, now);
    } catch {
      // Bookkeeping only: the request it describes has already succeeded.
    }
  }

  /** Public base URL, sent as `accounts-server` and in metadata. */
  get issuer(): string {
    return this.issuerUrl;
  }

  /** Called by `serve` once the real address is known, when no issuer was configured. */
  setListeningAddress(url: string): void {
    if (this.config.issuer === undefined) this.issuerUrl = url.replace(/\/+$/, '');
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
    return this.config.apiDomain ?? this.issuer;
  }

  /** A client's own profile overrides the server's (SPEC R0). */
  profileFor(client: Pick<Client, 'profile'> | undefined): WireProfile {
    return client?.profile ?? this.config.profile;
  }
}
