/**
 * `tollgate/resource`: everything of `@tollgate/resource` (and its Fastify plugin), plus the
 * store-backed local mode of {@link createTokenVerifier} for APIs that share Tollgate's database.
 * @packageDocumentation
 */
import {
  createTokenVerifier as createRemoteVerifier,
  type RemoteVerifierOptions,
  type TokenVerifier,
} from '@tollgate/resource';
import { createLocalVerifier, type LocalVerifierOptions } from '../server/local-verifier.ts';

export * from '@tollgate/resource';
export * from '@tollgate/resource/fastify';
export type { LocalVerifierOptions };

/** Either mode: `local` (same database) or `remote` (RFC 7662 introspection). */
export type TokenVerifierOptions = LocalVerifierOptions | RemoteVerifierOptions;

/**
 * Builds a verifier in local mode (reads the store) or remote mode (asks Tollgate).
 * @see RFC 6750 §2.1, RFC 7662 §2
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  return options.mode === 'local' ? createLocalVerifier(options) : createRemoteVerifier(options);
}
