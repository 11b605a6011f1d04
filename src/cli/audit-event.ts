/**
 * Audit events of admin commands (SPEC R15.3): a client created, rotated or deleted from the
 * command line is recorded like one from the console or the admin API, with the actor `cli`.
 */
import { systemClock } from '../core/clock.ts';
import type { AuditEventType, Store } from '../store/types.ts';

export async function recordCliEvent(
  store: Pick<Store, 'recordAuditEvent'>,
  type: AuditEventType,
  clientId: string,
): Promise<void> {
  await store.recordAuditEvent({
    at: systemClock.now(),
    type,
    outcome: 'success',
    zuid: null,
    clientId,
    actor: 'cli',
    ip: null,
    detail: {},
  });
}
