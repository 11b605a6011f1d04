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
import { Emulator } from './emulator/emulator.ts';

/** The demo user and app that `tollgate serve --demo` creates (the home page walks through them). */
export interface DemoCredentials {
  email: string;
  password: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

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
  /** Every route of the app, as registered (for tests and docs that cover each endpoint). */
  readonly routes: { method: string; url: string }[] = [];
  private issuerUrl: string;
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
    this.tokens = createLocalVerifier({
      mode: 'local',
      store,
      now: this.now,
      cacheTtlMs: config.tokenCacheTtl * 1000,
    });
    this.issuerUrl = config.issuer ?? `http://${config.host}:${config.port}`;
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
