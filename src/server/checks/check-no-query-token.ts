/** SPEC R6.2, RFC 9700 §4.3.2: an access token in a query string is never accepted. */
import type { FastifyRequest } from 'fastify';
import { rejectQueryToken as rejectInUrl } from '../../resource/query-token.ts';

export function rejectQueryToken(request: FastifyRequest): void {
  rejectInUrl(request.url);
}
