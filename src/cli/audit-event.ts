/**
 * Audit events of admin commands (SPEC R15.3): a client created, rotated or deleted, or a
 * person's tokens ended by disabling the account, from the command line is recorded like one from
 * the console or the admin API, with the actor `cli`.
 */
import { systemClock } from '../core/clock.ts';
import type { AuditEventType, Store } from '../store/types.ts';

export async function recordCliEvent(
  store: Pick<Store, 'recordAuditEvent'>,
  type: AuditEventType,
  about: { clientId?: string; zuid?: number; detail?: Record<string, string> },
): Promise<void> {
  await store.recordAuditEvent({
    at: systemClock.now(),
    type,
    outcome: 'success',
    zuid: about.zuid ?? null,
    clientId: about.clientId ?? null,
    actor: 'cli',
    ip: null,
    detail: about.detail ?? {},
  });
}
