/**
 * DPoP proof checks (RFC 9449 §4.3), with Node's own crypto and no dependencies. Tollgate's token
 * endpoint and every protected resource (this package's verifiers, Tollgate's own APIs) use this
 * one checker, so a proof means the same everywhere.
 *
 * What is checked: one `DPoP` header holding a compact JWS; header `typ: dpop+jwt`, an asymmetric
 * `alg` of {@link DPOP_ALGORITHMS}, a public `jwk` and a valid signature by it; claims `jti`
 * (never seen before within the window), `htm` (the request's method), `htu` (its URL without
 * query or fragment), `iat` (within the window around the clock) and, when an access token is
 * presented, `ath` (its SHA-256). Server nonces (§8) are not used: the `jti` replay memory and
 * the short `iat` window stand in for them.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { OAuthError } from './errors.ts';
import {
  decodeJws,
  isJwsAlgorithm,
  isObject,
  JWS_ALGORITHMS,
  publicKeyFor,
  verifySignature,
  type JwsAlgorithm,
} from './jws.ts';

/** The JWS algorithms accepted in proofs (`dpop_signing_alg_values_supported`). */
export const DPOP_ALGORITHMS = JWS_ALGORITHMS;
export type DpopAlgorithm = JwsAlgorithm;

/** How far back a proof's `iat` may lie, by default, in seconds. */
export const DEFAULT_DPOP_IAT_WINDOW_SECONDS = 60;
/** How far ahead of the clock a proof's `iat` may lie (clock skew), in seconds. */
export const DPOP_FUTURE_SKEW_SECONDS = 5;
/** The largest proof accepted, in characters (a 4096-bit RSA key fits easily). */
const MAX_PROOF_LENGTH = 8_192;

/** A refusal of a proof: `invalid_dpop_proof`, sent with a `DPoP` challenge (RFC 9449 §7.1). */
export const invalidDpopProof = (description: string): OAuthError<'invalid_dpop_proof'> =>
  new OAuthError('invalid_dpop_proof', description, { status: 401, challenge: 'DPoP' });

/**
 * Remembers a proof's `jti` until `expiresAt` (Unix ms): true when it was new, false when it
 * was seen before (a replay). Tollgate keeps these in its database; this package in memory.
 */
export type DpopReplayCheck = (key: string, expiresAt: number) => Promise<boolean>;

export interface DpopCheckerOptions {
  /** The clock in Unix milliseconds (default `Date.now`). */
  now?: () => number;
  /** How far back `iat` may lie, in seconds (default 60). */
  iatWindowSeconds?: number;
  /** Where seen `jti` values are kept (default: {@link memoryReplayCheck} of 10 000 entries). */
  replay?: DpopReplayCheck;
}

/** What the request a proof came with looks like. */
export interface DpopRequest {
  /** The `DPoP` header(s) as received. */
  proof: string | readonly string[] | undefined;
  /** The HTTP method, e.g. `POST`. */
  method: string;
  /** The absolute URL the request was sent to (query and fragment are ignored). */
  url: string;
  /** The access token presented with it, whose hash `ath` must carry. */
  accessToken?: string;
}

/** A proof that passed: the key's thumbprint (`cnf.jkt`, RFC 7638) and the proof's `jti`. */
export interface DpopProof {
  jkt: string;
  jti: string;
  iat: number;
}

export interface DpopChecker {
  /** Checks a proof, or throws `invalid_dpop_proof`. */
  check(request: DpopRequest): Promise<DpopProof>;
  /** The accepted algorithms, as advertised. */
  readonly algorithms: readonly DpopAlgorithm[];
}

/** A bounded in-memory replay memory: the oldest entries go first once it is full. */
export function memoryReplayCheck(
  maxEntries = 10_000,
  now: () => number = Date.now,
): DpopReplayCheck {
  const seen = new Map<string, number>();
  return async (key, expiresAt) => {
    const at = now();
    const known = seen.get(key);
    if (known !== undefined && known > at) return false;
    if (seen.size >= maxEntries) {
      for (const [k, until] of seen) if (until <= at) seen.delete(k);
      while (seen.size >= maxEntries) seen.delete(seen.keys().next().value as string);
    }
    seen.set(key, expiresAt);
    return true;
  };
}

/** Builds the checker. @see RFC 9449 §4.3 */
export function createDpopChecker(options: DpopCheckerOptions = {}): DpopChecker {
  const now = options.now ?? Date.now;
  const windowMs = (options.iatWindowSeconds ?? DEFAULT_DPOP_IAT_WINDOW_SECONDS) * 1000;
  const replay = options.replay ?? memoryReplayCheck(10_000, now);
  const importedKeys = new Map<string, KeyObject>();
  return {
    algorithms: DPOP_ALGORITHMS,
    async check(request) {
      const proof = singleProof(request.proof);
      const decoded = decodeJws(proof);
      if (!decoded) throw invalidDpopProof('The DPoP proof is not a compact JWS.');
      const { header, payload, signingInput, signature } = decoded;
      if (header.typ !== 'dpop+jwt') throw invalidDpopProof('The proof\'s typ must be "dpop+jwt".');
      const alg = header.alg;
      if (!isJwsAlgorithm(alg))
        throw invalidDpopProof(`The proof's alg must be one of ${DPOP_ALGORITHMS.join(', ')}.`);
      const jwk = header.jwk;
      if (!isObject(jwk)) throw invalidDpopProof('The proof must carry its public key as jwk.');
      if (PRIVATE_MEMBERS.some((m) => m in jwk))
        throw invalidDpopProof("The proof's jwk must be a public key.");
      // A client signs many proofs with one key: its imported form is kept (bounded).
      const keyId = `${alg}:${JSON.stringify(jwk)}`;
      const key = importedKeys.get(keyId) ?? publicKeyFor(alg, jwk);
      if (key === 'mismatch') throw invalidDpopProof(`The proof's jwk does not fit alg ${alg}.`);
      if (key === 'invalid') throw invalidDpopProof("The proof's jwk is not a valid public key.");
      if (key === 'weak')
        throw invalidDpopProof("The proof's RSA key must have at least 2048 bits.");
      if (!importedKeys.has(keyId)) {
        if (importedKeys.size >= 256)
          importedKeys.delete(importedKeys.keys().next().value as string);
        importedKeys.set(keyId, key);
      }
      if (!verifySignature(alg, key, signingInput, signature))
        throw invalidDpopProof("The proof's signature does not verify.");

      const { jti, htm, htu, iat, ath } = payload;
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
        throw invalidDpopProof('The proof needs a jti.');
      if (htm !== request.method) throw invalidDpopProof('The proof is for another HTTP method.');
      if (typeof htu !== 'string' || !sameTarget(htu, request.url))
        throw invalidDpopProof('The proof is for another URL.');
      if (typeof iat !== 'number' || !Number.isFinite(iat))
        throw invalidDpopProof('The proof needs an iat.');
      const at = now();
      if (iat * 1000 < at - windowMs) throw invalidDpopProof('The proof is too old.');
      if (iat * 1000 > at + DPOP_FUTURE_SKEW_SECONDS * 1000)
        throw invalidDpopProof('The proof is issued in the future.');
      if (request.accessToken !== undefined) {
        if (typeof ath !== 'string' || ath !== sha256(request.accessToken))
          throw invalidDpopProof("The proof's ath does not match the access token.");
      }
      const jkt = jwkThumbprint(jwk);
      // Kept until the proof could no longer pass the iat check anyway.
      const until = iat * 1000 + windowMs + DPOP_FUTURE_SKEW_SECONDS * 1000;
      if (!(await replay(`${jkt}:${jti}`, Math.max(until, at + 1))))
        throw invalidDpopProof('The proof was used before.');
      return { jkt, jti, iat };
    },
  };
}

/** base64url(SHA-256(value)): `ath` (RFC 9449 §4.2) and thumbprints. */
export function sha256(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The members RFC 7638 §3.2 hashes, per key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** The JWK SHA-256 thumbprint (RFC 7638), the value of `cnf.jkt` and `dpop_jkt`. */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const members = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (!members) throw invalidDpopProof("The proof's jwk has an unsupported kty.");
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string') throw invalidDpopProof(`The proof's jwk lacks ${name}.`);
    canonical[name] = value;
  }
  return sha256(JSON.stringify(canonical));
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function singleProof(proof: string | readonly string[] | undefined): string {
  if (proof === undefined || proof === '')
    throw invalidDpopProof('A DPoP proof is required (the DPoP header).');
  if (typeof proof !== 'string') {
    if (proof.length !== 1) throw invalidDpopProof('Send exactly one DPoP header.');
    return singleProof(proof[0]);
  }
  if (proof.length > MAX_PROOF_LENGTH) throw invalidDpopProof('The DPoP proof is too large.');
  return proof;
}

/** `htu` and the request URL name the same target, ignoring query and fragment (§4.3 step 9). */
function sameTarget(htu: string, url: string): boolean {
  try {
    const a = new URL(htu);
    const b = new URL(url);
    return a.origin === b.origin && a.pathname === b.pathname;
  } catch {
    return false;
  }
}
