/**
 * Signing keys for ID tokens (SPEC R13.3) and JWT access tokens (R14.8), kept in the store so that
 * every instance signs with, and publishes, the same keys.
 *
 * Rotation without a window where a token cannot be verified, even with several instances:
 * - a new key is published at once (JWKS), but signs only once every instance has had time to
 *   see it: after `refreshMs`, the longest an instance keeps its list of keys;
 * - a key that stopped signing stays published until the tokens it signed have expired
 *   (`tokenLifetimeMs` later).
 * Both follow from the keys' creation times alone, so `tollgate keys rotate` only adds a key.
 * @see RFC 7517 (JWK), RFC 7515 (JWS), RFC 7638 (thumbprints as `kid`)
 */
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
  type JWTVerifyResult,
} from 'jose';
import type { SigningKey, SigningKeyStore, StoredJwk } from '../store/types.ts';

/** The one algorithm Tollgate signs with (OIDC Core §15.1 requires RS256 support). */
export const SIGNING_ALG = 'RS256';

/** The longest an instance keeps its list of keys, and so how long a new key waits to sign. */
export const DEFAULT_KEY_REFRESH_MS = 10_000;

/** Makes a new RS256 key pair (2048-bit) as stored, with its thumbprint as `kid`. */
export async function generateSigningKey(now: number): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, {
    modulusLength: 2048,
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    kid,
    alg: SIGNING_ALG,
    publicJwk: toStored(publicJwk),
    privateJwk: toStored(privateJwk),
    createdAt: now,
  };
}

function toStored(jwk: JWK): StoredJwk {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(jwk)) if (typeof value === 'string') out[name] = value;
  return out;
}

/** Creates the first key when the store has none (first start). Returns whether it did. */
export async function ensureSigningKey(store: SigningKeyStore, now: number): Promise<boolean> {
  if ((await store.listSigningKeys()).length > 0) return false;
  return store.addFirstSigningKey(await generateSigningKey(now));
}

/** `tollgate keys rotate`: adds a key, which takes over signing once every instance has seen it. */
export async function rotateSigningKey(store: SigningKeyStore, now: number): Promise<SigningKey> {
  const key = await generateSigningKey(now);
  await store.addSigningKey(key);
  return key;
}

/**
 * The key that signs now: the newest one every instance has had time to see, or, when all are
 * newer than that (first start), the oldest. `keys` are newest first.
 */
export function selectSigningKey(
  keys: readonly SigningKey[],
  now: number,
  refreshMs: number,
): SigningKey | undefined {
  return keys.find((k) => k.createdAt <= now - refreshMs) ?? keys[keys.length - 1];
}

/**
 * The keys to publish: the signing key, every newer one, and each older one until the tokens it
 * signed have expired. An older key stopped signing when the next newer key became eligible.
 */
export function selectPublishedKeys(
  keys: readonly SigningKey[],
  now: number,
  refreshMs: number,
  tokenLifetimeMs: number,
): SigningKey[] {
  const signing = selectSigningKey(keys, now, refreshMs);
  const signingAt = signing === undefined ? -1 : keys.indexOf(signing);
  return keys.filter((key, i) => {
    if (i <= signingAt) return true;
    const successor = keys[i - 1] as SigningKey;
    return now < successor.createdAt + refreshMs + tokenLifetimeMs;
  });
}

/** The public half of a key as published in a JWK Set (RFC 7517 §5). */
export function publicJwkOf(key: SigningKey): JWK {
  return { ...key.publicJwk, kid: key.kid, alg: key.alg, use: 'sig' };
}

export interface KeyRingOptions {
  store: SigningKeyStore;
  /** The clock, in Unix milliseconds. */
  now: () => number;
  /** How long a signed token lives: a key is published this long after it stops signing. */
  tokenLifetimeMs: number;
  /** How long the list of keys is kept before reading the store again. */
  refreshMs?: number;
}

/** What `sign` adds to the claims it is given. */
export interface SignOptions {
  /** The JWS `typ` header (`JWT` for ID tokens, `at+jwt` for RFC 9068 access tokens). */
  typ?: string;
}

/**
 * The keys of one server instance: signs JWTs, serves the JWK Set, verifies its own tokens.
 * Reads the store at most once per `refreshMs`, and imports each key once.
 */
export class KeyRing {
  private readonly options: Required<KeyRingOptions>;
  private cached: { keys: SigningKey[]; until: number } | undefined;
  private loading: Promise<SigningKey[]> | undefined;
  private readonly imported = new Map<string, Promise<CryptoKey | Uint8Array>>();

  constructor(options: KeyRingOptions) {
    this.options = { refreshMs: DEFAULT_KEY_REFRESH_MS, ...options };
  }

  /** Every key in the store, newest first, at most `refreshMs` old; creates the first one. */
  async keys(): Promise<SigningKey[]> {
    const now = this.options.now();
    if (this.cached && now < this.cached.until) return this.cached.keys;
    // Concurrent callers share one read (and, on first start, one key generation).
    this.loading ??= this.load(now).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(now: number): Promise<SigningKey[]> {
    let keys = await this.options.store.listSigningKeys();
    if (keys.length === 0) {
      await ensureSigningKey(this.options.store, now);
      keys = await this.options.store.listSigningKeys();
    }
    this.cached = { keys, until: now + this.options.refreshMs };
    return keys;
  }

  /** The key that signs now. */
  async signingKey(): Promise<SigningKey> {
    const key = selectSigningKey(await this.keys(), this.options.now(), this.options.refreshMs);
    if (!key) throw new Error('No signing key is available.');
    return key;
  }

  /** The JWK Set to publish (RFC 7517 §5). */
  async jwks(): Promise<{ keys: JWK[] }> {
    const published = selectPublishedKeys(
      await this.keys(),
      this.options.now(),
      this.options.refreshMs,
      this.options.tokenLifetimeMs,
    );
    return { keys: published.map(publicJwkOf) };
  }

  /** Signs claims as a compact JWS with the current key; `iat` comes from the clock if not given. */
  async sign(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
    const key = await this.signingKey();
    return new SignJWT({ iat: Math.floor(this.options.now() / 1000), ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: options.typ ?? 'JWT' })
      .sign(await this.privateKey(key));
  }

  /** Verifies a JWT against the published keys (for resource servers beside Tollgate, and tests). */
  async verify(
    token: string,
    expected: { issuer: string; audience?: string; typ?: string },
  ): Promise<JWTVerifyResult> {
    return jwtVerify(token, createLocalJWKSet(await this.jwks()), {
      algorithms: [SIGNING_ALG],
      issuer: expected.issuer,
      ...(expected.audience !== undefined ? { audience: expected.audience } : {}),
      ...(expected.typ !== undefined ? { typ: expected.typ } : {}),
      currentDate: new Date(this.options.now()),
    });
  }

  private privateKey(key: SigningKey): Promise<CryptoKey | Uint8Array> {
    let imported = this.imported.get(key.kid);
    if (!imported) {
      imported = importJWK({ ...key.privateJwk }, key.alg);
      this.imported.set(key.kid, imported);
    }
    return imported;
  }
}
