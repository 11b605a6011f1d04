/**
 * Device codes (RFC 8628, SPEC R13.2): a poll is recorded by one conditional update (so the
 * polling interval holds across instances), and a pending code is settled once by one
 * conditional update; an approval writes the authorization code its tokens come from in the
 * same transaction.
 */
import type {
  DeviceCode,
  DeviceCodeSettlement,
  DeviceCodeStatus,
  DeviceCodeStore,
  PollDeviceCodeResult,
  SettleDeviceCodeResult,
} from '../types.ts';
import { insertCode } from './codes.ts';
import type { SectionContext } from './context.ts';
import { joinList, splitList } from './rows.ts';
import type { DeviceCodesTable } from './schema.ts';

function toDeviceCode(row: DeviceCodesTable): DeviceCode {
  return {
    deviceCodeHash: row.device_code_hash,
    userCodeHash: row.user_code_hash,
    clientId: row.client_id,
    scopes: splitList(row.scopes),
    offline: Number(row.offline) === 1,
    promptConsent: Number(row.prompt_consent) === 1,
    dataCentre: row.data_centre,
    status: row.status as DeviceCodeStatus,
    zuid: row.zuid === null ? null : Number(row.zuid),
    intervalMs: Number(row.interval_ms),
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
    lastPolledAt: row.last_polled_at === null ? null : Number(row.last_polled_at),
  };
}

function statusOf(settlement: DeviceCodeSettlement): DeviceCodeStatus {
  if ('approve' in settlement) return 'approved';
  if ('deny' in settlement) return 'denied';
  return 'ended';
}

/** The device-codes section of the Kysely store. */
export function createDeviceCodeStore({ db }: SectionContext): DeviceCodeStore {
  const find = async (deviceCodeHash: string): Promise<DeviceCode | undefined> => {
    const row = await db
      .selectFrom('device_codes')
      .selectAll()
      .where('device_code_hash', '=', deviceCodeHash)
      .executeTakeFirst();
    return row && toDeviceCode(row);
  };

  return {
    async saveDeviceCode(code: DeviceCode): Promise<void> {
      await db
        .insertInto('device_codes')
        .values({
          device_code_hash: code.deviceCodeHash,
          user_code_hash: code.userCodeHash,
          client_id: code.clientId,
          scopes: joinList(code.scopes),
          offline: code.offline ? 1 : 0,
          prompt_consent: code.promptConsent ? 1 : 0,
          data_centre: code.dataCentre,
          status: code.status,
          zuid: code.zuid,
          interval_ms: code.intervalMs,
          expires_at: code.expiresAt,
          created_at: code.createdAt,
          last_polled_at: code.lastPolledAt,
        })
        .execute();
    },

    async findDeviceCodeByUserCode(userCodeHash: string): Promise<DeviceCode | undefined> {
      const row = await db
        .selectFrom('device_codes')
        .selectAll()
        .where('user_code_hash', '=', userCodeHash)
        .executeTakeFirst();
      return row && toDeviceCode(row);
    },

    async pollDeviceCode(
      deviceCodeHash: string,
      clientId: string,
      now: number,
      minGapMs: number,
    ): Promise<PollDeviceCodeResult> {
      const polled = await db
        .updateTable('device_codes')
        .set({ last_polled_at: now })
        .where('device_code_hash', '=', deviceCodeHash)
        .where('client_id', '=', clientId)
        .where((eb) =>
          eb.or([
            eb('last_polled_at', 'is', null),
            eb('last_polled_at', '<=', now - minGapMs),
            // The emulator's clock went back: the earlier poll is in the future now.
            eb('last_polled_at', '>', now),
          ]),
        )
        .returningAll()
        .executeTakeFirst();
      if (polled) return { outcome: 'polled', deviceCode: toDeviceCode(polled) };
      const seen = await find(deviceCodeHash);
      return seen?.clientId === clientId
        ? { outcome: 'too-soon', deviceCode: seen }
        : { outcome: 'unknown' };
    },

    async settleDeviceCode(
      deviceCodeHash: string,
      now: number,
      settlement: DeviceCodeSettlement,
    ): Promise<SettleDeviceCodeResult> {
      return db.transaction().execute(async (trx): Promise<SettleDeviceCodeResult> => {
        const zuid =
          'approve' in settlement
            ? settlement.approve.zuid
            : 'deny' in settlement
              ? settlement.deny.zuid
              : null;
        const settled = await trx
          .updateTable('device_codes')
          .set({ status: statusOf(settlement), ...(zuid === null ? {} : { zuid }) })
          .where('device_code_hash', '=', deviceCodeHash)
          .where('status', '=', 'pending')
          .where('expires_at', '>', now)
          .returningAll()
          .executeTakeFirst();
        if (settled) {
          if ('approve' in settlement) await insertCode(trx, settlement.approve);
          return { outcome: 'settled', deviceCode: toDeviceCode(settled) };
        }
        const seen = await trx
          .selectFrom('device_codes')
          .selectAll()
          .where('device_code_hash', '=', deviceCodeHash)
          .executeTakeFirst();
        return seen
          ? { outcome: 'not-pending', deviceCode: toDeviceCode(seen) }
          : { outcome: 'unknown' };
      });
    },
  };
}
