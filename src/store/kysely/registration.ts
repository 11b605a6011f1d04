/**
 * Dynamic registration (RFC 7591, RFC 7592; SPEC R14.3): initial access tokens, kept by hash,
 * and what the management endpoint reads of a client. Metadata-document clients (SPEC R14.4) are
 * written here too: one upsert that never touches a client made another way.
 */
import type { Client, NewClient, RegistrationStore, RegistrationToken } from '../types.ts';
import type { SectionContext } from './context.ts';
import { toClient } from './rows.ts';
import type { ClientsTable } from './schema.ts';

/** The registration section of the Kysely store. */
export function createRegistrationStore({ db }: SectionContext): RegistrationStore {
  return {
    async createRegistrationToken(token: RegistrationToken & { tokenHash: string }): Promise<void> {
      await db
        .insertInto('registration_tokens')
        .values({
          token_hash: token.tokenHash,
          label: token.label,
          created_at: token.createdAt,
          expires_at: token.expiresAt,
        })
        .execute();
    },

    async findRegistrationToken(
      tokenHash: string,
      now: number,
    ): Promise<RegistrationToken | undefined> {
      const row = await db
        .selectFrom('registration_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirst();
      return (
        row && {
          label: row.label,
          createdAt: Number(row.created_at),
          expiresAt: row.expires_at === null ? null : Number(row.expires_at),
        }
      );
    },

    async findClientRegistration(clientId: string) {
      const row = await db
        .selectFrom('clients')
        .selectAll()
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return (
        row && {
          client: toClient(row),
          registrationTokenHash: row.registration_token_hash ?? null,
          clientMetadata: row.client_metadata ?? null,
        }
      );
    },

    async saveMetadataDocumentClient(client: NewClient, now: number): Promise<Client | undefined> {
      const row: ClientsTable = {
        client_id: client.clientId,
        secret_hash: client.secretHash,
        name: client.name,
        domain: client.domain,
        type: client.type,
        redirect_uris: JSON.stringify(client.redirectUris),
        owner_zuid: null,
        profile: client.profile,
        created_at: now,
        registration: 'metadata-document',
        registration_token_hash: null,
        access_token_format: null,
        client_metadata: client.clientMetadata ?? null,
        data_centres: null,
      };
      await db
        .insertInto('clients')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('client_id')
            .doUpdateSet({
              name: row.name,
              domain: row.domain,
              type: row.type,
              redirect_uris: row.redirect_uris,
              client_metadata: row.client_metadata,
            })
            .where('clients.registration', '=', 'metadata-document'),
        )
        .execute();
      const saved = await db
        .selectFrom('clients')
        .selectAll()
        .where('client_id', '=', client.clientId)
        .where('registration', '=', 'metadata-document')
        .executeTakeFirst();
      return saved && toClient(saved);
    },
  };
}
