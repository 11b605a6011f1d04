/**
 * Clients (SPEC R2): registration, the console's edits, secret rotation, and deletion, which takes
 * every code, token and consent of the client with it.
 */
import type { Client, ClientStore, ClientUpdate, NewClient } from '../types.ts';
import type { SectionContext } from './context.ts';
import { counterResult } from './counters.ts';
import { toClient } from './rows.ts';
import type { ClientsTable } from './schema.ts';

/** The clients section of the Kysely store. */
export function createClientStore({ db, hot: hotReads }: SectionContext): ClientStore {
  const findClient = async (
    clientId: string,
  ): Promise<(Client & { secretHash: string }) | undefined> => {
    // Every token, revocation and introspection request reads its client: a prepared read
    // (SPEC R16), through Kysely only while a transaction holds SQLite's connection.
    const hot = hotReads?.client(clientId);
    const row =
      hot !== undefined && hot !== 'busy'
        ? await hot
        : await db
            .selectFrom('clients')
            .selectAll()
            .where('client_id', '=', clientId)
            .executeTakeFirst();
    return row && { ...toClient(row), secretHash: row.secret_hash };
  };

  return {
    async createClient(client: NewClient, now: number): Promise<Client> {
      const row: ClientsTable = {
        client_id: client.clientId,
        secret_hash: client.secretHash,
        name: client.name,
        domain: client.domain,
        type: client.type,
        redirect_uris: JSON.stringify(client.redirectUris),
        owner_zuid: client.ownerZuid,
        profile: client.profile,
        created_at: now,
        registration: client.registration ?? null,
        registration_token_hash: client.registrationTokenHash ?? null,
        access_token_format: client.accessTokenFormat ?? null,
        client_metadata: client.clientMetadata ?? null,
        data_centres: client.dataCentres ? JSON.stringify(client.dataCentres) : null,
      };
      await db.insertInto('clients').values(row).execute();
      return toClient(row);
    },

    findClient,

    async findClientForAuth(clientId: string | undefined, counterKey: string, now: number) {
      // With throttles on, every token request reads its client and its throttle counter: one
      // statement instead of two (one round trip less on PostgreSQL).
      const hot = hotReads?.clientAuth(clientId ?? null, counterKey);
      if (hot !== undefined && hot !== 'busy') {
        const row = await hot;
        const throttle = counterResult(
          row.throttle_count === null || row.throttle_window_end === null
            ? undefined
            : { count: row.throttle_count, window_end: row.throttle_window_end },
          now,
        );
        if (row.client_id === null) return { client: undefined, throttle };
        // A matched client's NOT NULL columns are all set (the nulls come from the outer join).
        const found = row as typeof row & ClientsTable;
        return { client: { ...toClient(found), secretHash: found.secret_hash }, throttle };
      }
      const counter = await db
        .selectFrom('counters')
        .select(['count', 'window_end'])
        .where('key', '=', counterKey)
        .executeTakeFirst();
      const client = clientId === undefined ? undefined : await findClient(clientId);
      return { client, throttle: counterResult(counter, now) };
    },

    async listClients(ownerZuid?: number): Promise<Client[]> {
      let q = db.selectFrom('clients').selectAll();
      if (ownerZuid !== undefined) q = q.where('owner_zuid', '=', ownerZuid);
      const rows = await q.orderBy('created_at').orderBy('client_id').execute();
      return rows.map(toClient);
    },

    async updateClient(clientId: string, update: ClientUpdate): Promise<Client | undefined> {
      const set: Partial<ClientsTable> = {};
      if (update.name !== undefined) set.name = update.name;
      if (update.domain !== undefined) set.domain = update.domain;
      if (update.redirectUris !== undefined)
        set.redirect_uris = JSON.stringify(update.redirectUris);
      if (update.type !== undefined) set.type = update.type;
      if (update.accessTokenFormat !== undefined)
        set.access_token_format = update.accessTokenFormat;
      if (update.clientMetadata !== undefined) set.client_metadata = update.clientMetadata;
      if (update.dataCentres !== undefined)
        set.data_centres = update.dataCentres ? JSON.stringify(update.dataCentres) : null;
      if (Object.keys(set).length > 0) {
        await db.updateTable('clients').set(set).where('client_id', '=', clientId).execute();
      }
      const row = await db
        .selectFrom('clients')
        .selectAll()
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row && toClient(row);
    },

    async rotateClientSecret(clientId: string, secretHash: string): Promise<boolean> {
      const res = await db
        .updateTable('clients')
        .set({ secret_hash: secretHash })
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async deleteClient(clientId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        // First, so it waits for tokens being written (see lockGrant) and the deletes below see them.
        const res = await trx
          .deleteFrom('clients')
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        await trx.deleteFrom('access_tokens').where('client_id', '=', clientId).execute();
        await trx.deleteFrom('refresh_tokens').where('client_id', '=', clientId).execute();
        await trx.deleteFrom('auth_codes').where('client_id', '=', clientId).execute();
        await trx.deleteFrom('device_codes').where('client_id', '=', clientId).execute();
        await trx.deleteFrom('consents').where('client_id', '=', clientId).execute();
        return Number(res.numDeletedRows) > 0;
      });
    },
  };
}
