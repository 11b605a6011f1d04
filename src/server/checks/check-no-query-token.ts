/** SPEC R6.2, RFC 9700 §4.3.2: an access token in a query string is never accepted. */
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../../core/errors.ts';

const TOKEN_PARAMS = ['access_token', 'token', 'oauth_token', 'authtoken'];

export function rejectQueryToken(request: FastifyRequest): void {
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (TOKEN_PARAMS.some((name) => name in query)) {
    throw new OAuthError('invalid_request', 'Access tokens are not accepted in the query string; send them in the Authorization header.', {
      status: 400,
      redirectable: false,
    });
  }
}
