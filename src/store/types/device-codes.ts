/** Store types for the device authorization grant (RFC 8628, SPEC R13.2). */
import type { AuthorizationCode } from './grants.ts';

/** Where a device code stands (SPEC R13.2): `ended` after too many wrong user codes. */
export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'ended';

/** A device authorization request (RFC 8628 §3.2, SPEC R13.2); both codes arrive hashed. */
export interface DeviceCode {
  deviceCodeHash: string;
  userCodeHash: string;
  clientId: string;
  scopes: string[];
  /** `access_type=offline`: the tokens include a refresh token (SPEC R5.1). */
  offline: boolean;
  /** `prompt=consent`: ask even when consent is remembered. */
  promptConsent: boolean;
  /** The data centre the device asked at (SPEC R13.1). */
  dataCentre: string;
  status: DeviceCodeStatus;
  /** The person who approved or denied it, once one did. */
  zuid: number | null;
  /** The least time between two polls. */
  intervalMs: number;
  expiresAt: number;
  createdAt: number;
  lastPolledAt: number | null;
}

/** What `pollDeviceCode` did: `too-soon` means polled again within the gap (slow_down). */
export type PollDeviceCodeResult =
  | { outcome: 'polled'; deviceCode: DeviceCode }
  | { outcome: 'too-soon'; deviceCode: DeviceCode }
  | { outcome: 'unknown' };

/**
 * What the person (or the wrong-tries limit) decided: approve with the authorization code the
 * tokens come from (its hash derived from the device code), deny, or end the device code.
 */
export type DeviceCodeSettlement =
  { approve: AuthorizationCode } | { deny: { zuid: number } } | { end: true };

export type SettleDeviceCodeResult =
  | { outcome: 'settled'; deviceCode: DeviceCode }
  /** Already approved, denied, ended, or expired: nothing was changed. */
  | { outcome: 'not-pending'; deviceCode: DeviceCode }
  | { outcome: 'unknown' };

/** Device codes (RFC 8628, SPEC R13.2). */
export interface DeviceCodeStore {
  saveDeviceCode(code: DeviceCode): Promise<void>;
  /** A device code by the hash of its user code (the verification page), whatever its status. */
  findDeviceCodeByUserCode(userCodeHash: string): Promise<DeviceCode | undefined>;
  /**
   * Records a poll by the device code's own client in one conditional statement: `too-soon`
   * (and nothing recorded) when the last recorded poll was less than `minGapMs` ago, so two
   * instances cannot both let one in. Another client's device code is `unknown`.
   */
  pollDeviceCode(
    deviceCodeHash: string,
    clientId: string,
    now: number,
    minGapMs: number,
  ): Promise<PollDeviceCodeResult>;
  /**
   * Settles a pending, unexpired device code in one transaction (an approval writes its
   * authorization code too); a second settlement finds it `not-pending`.
   */
  settleDeviceCode(
    deviceCodeHash: string,
    now: number,
    settlement: DeviceCodeSettlement,
  ): Promise<SettleDeviceCodeResult>;
}
