/**
 * Sender-constrained access tokens at a protected resource (RFC 9449 §7): a DPoP-bound token is
 * accepted only as `Authorization: DPoP <token>` with a proof by its key; a bound token sent as
 * Bearer, an unbound token sent as DPoP, or a proof by another key is refused.
 */
import type { DpopChecker, DpopProof } from './dpop.ts';
import { invalidToken } from './errors.ts';
import type { AccessTokenClaims, TokenScheme } from './verify.ts';

/** What a verifier needs of the request to check a DPoP proof. */
export interface PresentedRequest {
  /** The HTTP method. */
  method: string;
  /** The absolute URL the client called (query and fragment are ignored). */
  url: string;
  /** The request's `DPoP` header(s). */
  dpop: string | readonly string[] | undefined;
}

/**
 * Checks the proof of a `DPoP` request (before the token is looked up), or nothing for Bearer.
 * @throws OAuthError invalid_dpop_proof, or invalid_token when the request cannot be checked.
 */
export async function checkPresentedProof(
  scheme: TokenScheme,
  token: string,
  request: PresentedRequest | undefined,
  checker: DpopChecker,
): Promise<DpopProof | undefined> {
  if (scheme !== 'dpop') return undefined;
  if (!request)
    throw invalidToken('This resource cannot check DPoP proofs; send the token as Bearer.', 'DPoP');
  return checker.check({
    proof: request.dpop,
    method: request.method,
    url: request.url,
    accessToken: token,
  });
}

/**
 * The binding check once the token's claims are known (RFC 9449 §7.1).
 * @throws OAuthError invalid_token with a DPoP challenge.
 */
export function checkBinding(
  claims: Pick<AccessTokenClaims, 'confirmation'>,
  proof: DpopProof | undefined,
): void {
  const jkt = claims.confirmation?.jkt;
  if (jkt === undefined) {
    if (proof) throw invalidToken('The access token is not DPoP-bound; send it as Bearer.', 'DPoP');
    return;
  }
  if (!proof)
    throw invalidToken(
      'The access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof.',
      'DPoP',
    );
  if (proof.jkt !== jkt) throw invalidToken('Invalid DPoP key binding.', 'DPoP');
}

/**
 * The absolute URL a client called, for a proof's `htu`: `publicOrigin` (e.g.
 * `https://api.example.com`, when a proxy stands in front) or the request's own scheme and Host.
 */
export function presentedUrl(
  publicOrigin: string | undefined,
  protocol: string,
  host: string | undefined,
  path: string,
): string {
  const origin = publicOrigin?.replace(/\/+$/, '') ?? `${protocol}://${host ?? 'localhost'}`;
  return `${origin}${path.startsWith('/') ? path : `/${path}`}`;
}
