/**
 * DPoP in the server (RFC 9449, SPEC R14.7): the token endpoint's proof, and what Tollgate's own
 * resources (user info, the SalesIQ-style API) pass to the verifier. The checks themselves are
 * `@tollgate/resource`'s, so the server and every API behind it apply the same rules.
 */
import { OAuthError as ResourceError, type PresentedRequest } from '@tollgate/resource';
import type { FastifyRequest } from 'fastify';
import { invalidDpopProof, invalidRequest } from '../core/errors.ts';
import type { ServerContext } from './context.ts';

/** The request as a DPoP proof sees it: method, the public URL (`base` + path), its proof. */
export function presentedRequest(request: FastifyRequest, base: string): PresentedRequest {
  // Eager: a literal with a `url` getter measured several times dearer than the string.
  return {
    method: request.method,
    url: `${base.replace(/\/+$/, '')}${request.url}`,
    dpop: request.headers.dpop,
  };
}

/**
 * The key thumbprint of the token request's DPoP proof, or undefined without a `DPoP` header
 * (RFC 9449 §5). A proof that fails is `invalid_dpop_proof` (HTTP 400 in rfc).
 */
export async function tokenRequestProof(
  ctx: ServerContext,
  request: FastifyRequest,
  path: string,
): Promise<string | undefined> {
  const header = request.headers.dpop;
  if (header === undefined) return undefined;
  try {
    const proof = await ctx.dpop.check({
      proof: header,
      method: request.method,
      url: `${ctx.issuer}${path}`,
    });
    return proof.jkt;
  } catch (error) {
    if (error instanceof ResourceError && error.error === 'invalid_dpop_proof')
      throw invalidDpopProof(error.description);
    throw error;
  }
}

/** RFC 9449 §10: `dpop_jkt` of an authorization request, a SHA-256 JWK thumbprint. */
export function checkDpopJkt(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (!/^[A-Za-z0-9_-]{43}$/.test(value))
    throw invalidRequest('dpop_jkt must be a SHA-256 JWK thumbprint (RFC 7638).');
  return value;
}
