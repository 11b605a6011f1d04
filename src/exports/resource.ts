/**
 * `tollgate/resource`: everything of `@tollgate/resource` (and its Fastify plugin), plus the
 * store-backed local mode of {@link createTokenVerifier} for APIs that share Tollgate's database.
 * @packageDocumentation
 */
import {
  createJwtVerifier,
  createTokenVerifier as createRemoteVerifier,
  type JwtVerifierOptions,
  type RemoteVerifierOptions,
  type TokenVerifier,
} from '@tollgate/resource';
import { createLocalVerifier, type LocalVerifierOptions } from '../server/local-verifier.ts';

export * from '@tollgate/resource';
export * from '@tollgate/resource/fastify';
export type { LocalVerifierOptions };

/**
 * A mode: `local` (same database), `remote` (RFC 7662 introspection) or `jwt` (RFC 9068 access
 * tokens checked from the published keys, SPEC R14.8).
 */
export type TokenVerifierOptions =
  LocalVerifierOptions | RemoteVerifierOptions | JwtVerifierOptions;

/**
 * Builds a verifier in local mode (reads the store) or remote mode (asks Tollgate).
 * @see RFC 6750 §2.1, RFC 7662 §2
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  switch (options.mode) {
    case 'local':
      return createLocalVerifier(options);
    case 'remote':
      return createRemoteVerifier(options);
    case 'jwt':
      return createJwtVerifier(options);
  }
}
