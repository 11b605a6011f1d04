/**
 * DPoP proofs for tests (RFC 9449 §4.2), made with `jose` independently of the checker under
 * test: a key pair, its thumbprint, and proofs whose every part a test may spoil.
 */
import { randomUUID, createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export interface DpopKey {
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** RFC 7638 thumbprint, as `cnf.jkt`. */
  jkt: string;
  /** A proof for a request; `overrides` replace header or claims (undefined removes a claim). */
  proof(
    htm: string,
    htu: string,
    options?: {
      accessToken?: string;
      iat?: number;
      jti?: string;
      typ?: string;
      jwk?: JWK;
      claims?: Record<string, unknown>;
    },
  ): Promise<string>;
}

/** A new DPoP key pair (ES256 unless told). `now` gives `iat` in Unix ms (default the wall clock). */
export async function dpopKey(
  alg = 'ES256',
  now: () => number = () => Date.now(),
): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    alg,
    privateKey,
    publicJwk,
    jkt,
    async proof(htm, htu, options = {}) {
      const claims: Record<string, unknown> = {
        jti: options.jti ?? randomUUID(),
        htm,
        htu,
        iat: options.iat ?? Math.floor(now() / 1000),
        ...(options.accessToken !== undefined
          ? { ath: createHash('sha256').update(options.accessToken).digest('base64url') }
          : {}),
        ...options.claims,
      };
      for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
      return new SignJWT(claims)
        .setProtectedHeader({ alg, typ: options.typ ?? 'dpop+jwt', jwk: options.jwk ?? publicJwk })
        .sign(privateKey);
    },
  };
}
