/**
 * Pushed authorization requests (RFC 9126, SPEC R14.6): saved with their parameters and taken
 * out exactly once by a conditional delete, so two instances never both honour one request_uri.
 */
import type { PushedRequest, PushedRequestStore, TakePushedRequestResult } from '../types.ts';
import type { SectionContext } from './context.ts';
import type { PushedRequestsTable } from './schema.ts';

function toPushedRequest(row: PushedRequestsTable): PushedRequest {
  return {
    uriHash: row.uri_hash,
    clientId: row.client_id,
    params: JSON.parse(row.params) as [string, string][],
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
  };
}

/** The pushed-requests section of the Kysely store. */
export function createPushedRequestStore({ db }: SectionContext): PushedRequestStore {
  return {
    async savePushedRequest(request: PushedRequest): Promise<void> {
      await db
        .insertInto('pushed_requests')
        .values({
          uri_hash: request.uriHash,
          client_id: request.clientId,
          params: JSON.stringify(request.params),
          expires_at: request.expiresAt,
          created_at: request.createdAt,
        })
        .execute();
    },

    async findPushedRequest(uriHash: string, now: number): Promise<PushedRequest | undefined> {
      const row = await db
        .selectFrom('pushed_requests')
        .selectAll()
        .where('uri_hash', '=', uriHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && toPushedRequest(row);
    },

    async takePushedRequest(uriHash: string, now: number): Promise<TakePushedRequestResult> {
      const row = await db
        .deleteFrom('pushed_requests')
        .where('uri_hash', '=', uriHash)
        .returningAll()
        .executeTakeFirst();
      if (!row) return { outcome: 'unknown' };
      if (Number(row.expires_at) <= now) return { outcome: 'expired' };
      return { outcome: 'taken', request: toPushedRequest(row) };
    },
  };
}
