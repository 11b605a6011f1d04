/** Store types for the server's own state: signing keys and pushed authorization requests. */

/** A JSON Web Key as stored (RFC 7517): its members, without interpretation by the store. */
export type StoredJwk = Readonly<Record<string, string>>;

/** A key that signs ID tokens (SPEC R13.3) and JWT access tokens (R14.8). */
export interface SigningKey {
  /** Key id (RFC 7638 thumbprint of the public key), the `kid` of the JWS header and the JWKS. */
  kid: string;
  alg: 'RS256';
  publicJwk: StoredJwk;
  privateJwk: StoredJwk;
  createdAt: number;
}

/** Signing keys, kept in the store so every instance signs with and publishes the same keys. */
export interface SigningKeyStore {
  /** Adds a key (key rotation). */
  addSigningKey(key: SigningKey): Promise<void>;
  /** Adds the key only when the store has none yet (first start); returns whether it did. */
  addFirstSigningKey(key: SigningKey): Promise<boolean>;
  /** Every key, newest first. */
  listSigningKeys(): Promise<SigningKey[]>;
}

/** A pushed authorization request (RFC 9126): its parameters, kept until used once or expired. */
export interface PushedRequest {
  /** The SHA-256 of the `request_uri` handed to the client. */
  uriHash: string;
  clientId: string;
  /** The authorization parameters, as pushed (`resource` may repeat). */
  params: [string, string][];
  expiresAt: number;
  createdAt: number;
}

export type TakePushedRequestResult =
  { outcome: 'taken'; request: PushedRequest } | { outcome: 'expired' } | { outcome: 'unknown' };

/** Pushed authorization requests (RFC 9126, SPEC R14.6). */
export interface PushedRequestStore {
  savePushedRequest(request: PushedRequest): Promise<void>;
  /** A live pushed request, left in place (the person may still have to sign in). */
  findPushedRequest(uriHash: string, now: number): Promise<PushedRequest | undefined>;
  /**
   * Takes a request out in one conditional statement: the first caller gets it, any later one
   * `unknown` (a `request_uri` is used once); an expired one is deleted and reported `expired`.
   */
  takePushedRequest(uriHash: string, now: number): Promise<TakePushedRequestResult>;
}

/** DPoP proofs seen (RFC 9449 §11.1, SPEC R14.7). */
export interface DpopProofStore {
  /**
   * Remembers a proof (the SHA-256 of its key thumbprint and `jti`) until `expiresAt`, in one
   * conditional statement: true when it was new, false when it was seen before (a replay).
   */
  recordDpopProof(proofHash: string, expiresAt: number): Promise<boolean>;
}
