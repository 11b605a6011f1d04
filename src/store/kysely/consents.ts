/**
 * Consents and connected apps (SPEC R9): what a user granted each client, the apps holding tokens
 * for them, and removing an app, which revokes everything it holds.
 */
import type { ConnectedApp, Consent, ConsentStore } from '../types.ts';
import type { SectionContext } from './context.ts';
import { lockGrant, lockKey } from './locks.ts';
import { joinList, splitList, toClient } from './rows.ts';

/** The consents section of the Kysely store. */
export function createConsentStore({ db, sqlDialect }: SectionContext): ConsentStore {
  return {
    async findConsent(zuid: number, clientId: string): Promise<Consent | undefined> {
      const row = await db
        .selectFrom('consents')
        .selectAll()
        .where('zuid', '=', zuid)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return (
        row && {
          zuid: Number(row.zuid),
          clientId: row.client_id,
          scopes: splitList(row.scopes),
          grantedAt: Number(row.granted_at),
          updatedAt: Number(row.updated_at),
        }
      );
    },

    async recordConsent(
      zuid: number,
      clientId: string,
      scopes: string[],
      now: number,
    ): Promise<{ first: boolean }> {
      return db.transaction().execute(async (trx) => {
        await lockKey(trx, sqlDialect, `consent:${zuid}:${clientId}`);
        const existing = await trx
          .selectFrom('consents')
          .select('scopes')
          .where('zuid', '=', zuid)
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        if (!existing) {
          await trx
            .insertInto('consents')
            .values({
              zuid,
              client_id: clientId,
              scopes: joinList(scopes),
              granted_at: now,
              updated_at: now,
            })
            .execute();
          return { first: true };
        }
        const merged = [...new Set([...splitList(existing.scopes), ...scopes])];
        await trx
          .updateTable('consents')
          .set({ scopes: joinList(merged), updated_at: now })
          .where('zuid', '=', zuid)
          .where('client_id', '=', clientId)
          .execute();
        return { first: false };
      });
    },

    async recordGrantUse(zuid: number, clientId: string, now: number): Promise<void> {
      await db
        .updateTable('consents')
        .set({ last_used_at: now })
        .where('zuid', '=', zuid)
        .where('client_id', '=', clientId)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now)]))
        .execute();
    },

    async listConnectedApps(zuid: number): Promise<ConnectedApp[]> {
      const rows = await db
        .selectFrom('consents')
        .innerJoin('clients', 'clients.client_id', 'consents.client_id')
        .selectAll('clients')
        .select([
          'consents.scopes as granted_scopes',
          'consents.granted_at',
          'consents.updated_at',
          'consents.last_used_at as consent_used',
        ])
        .select((eb) => [
          eb
            .selectFrom('refresh_tokens')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('refresh_tokens.client_id', '=', 'consents.client_id')
            .whereRef('refresh_tokens.zuid', '=', 'consents.zuid')
            .where('refresh_tokens.rotated_at', 'is', null)
            .as('live_refresh'),
          eb
            .selectFrom('refresh_tokens')
            .select((e) => e.fn.max('refresh_tokens.last_used_at').as('m'))
            .whereRef('refresh_tokens.client_id', '=', 'consents.client_id')
            .whereRef('refresh_tokens.zuid', '=', 'consents.zuid')
            .as('last_used'),
        ])
        .where('consents.zuid', '=', zuid)
        .orderBy('consents.granted_at', 'desc')
        .execute();
      return rows.map((r) => ({
        client: toClient(r),
        scopes: splitList(r.granted_scopes),
        grantedAt: Number(r.granted_at),
        // The grant's own record (issue 17), or, for uses before it existed, its refresh tokens'.
        lastUsedAt: latest(r.consent_used, r.last_used),
        liveRefreshTokens: Number(r.live_refresh ?? 0),
      }));
    },

    async removeConnectedApp(zuid: number, clientId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await lockGrant(trx, sqlDialect, zuid, clientId);
        await trx
          .deleteFrom('access_tokens')
          .where('zuid', '=', zuid)
          .where('client_id', '=', clientId)
          .execute();
        await trx
          .deleteFrom('refresh_tokens')
          .where('zuid', '=', zuid)
          .where('client_id', '=', clientId)
          .execute();
        await trx
          .deleteFrom('auth_codes')
          .where('zuid', '=', zuid)
          .where('client_id', '=', clientId)
          .execute();
        const res = await trx
          .deleteFrom('consents')
          .where('zuid', '=', zuid)
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        return Number(res.numDeletedRows) > 0;
      });
    },
  };
}

/** The later of two optional times (database numbers may come back as strings). */
function latest(...times: unknown[]): number | null {
  const known = times.filter((t) => t !== null && t !== undefined).map(Number);
  return known.length === 0 ? null : Math.max(...known);
}
