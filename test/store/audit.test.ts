/**
 * SPEC R15.3 in the store: audit events are written and read newest first by time, person and
 * type; the janitor keeps them for the retention period only. R15.1: it also sweeps expired
 * pushed authorization requests (RFC 9126).
 */
import { describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../../src/store/types.ts';
import { storeKinds } from '../helpers/stores.ts';
import { addClient, hash, HOUR, NOW } from './fixtures.ts';

const DAY = 24 * HOUR;

function event(overrides: Partial<AuditEventInput>): AuditEventInput {
  return {
    at: NOW,
    type: 'sign_in',
    outcome: 'success',
    zuid: 7,
    clientId: null,
    actor: 'user:7',
    ip: '192.0.2.1',
    detail: {},
    ...overrides,
  };
}

describe.each(storeKinds)('R15.3 audit store ($name)', (kind) => {
  it('R15.3: events are read back newest first, filtered by person, type and time', async () => {
    const store = await kind.open();
    try {
      await store.recordAuditEvent(event({ at: NOW - 2 * HOUR, detail: { n: 1, ok: true } }));
      await store.recordAuditEvent(event({ at: NOW - HOUR, type: 'consent', clientId: 'c1' }));
      await store.recordAuditEvent(event({ at: NOW, zuid: 8, actor: 'user:8' }));
      await store.recordAuditEvent(event({ at: NOW, outcome: 'failure', zuid: null, actor: null }));

      const all = await store.listAuditEvents({ limit: 10 });
      expect(all.map((e) => e.at)).toEqual([NOW, NOW, NOW - HOUR, NOW - 2 * HOUR]);
      // Same time: the later insert first.
      expect(all[0]).toMatchObject({ outcome: 'failure', zuid: null, actor: null });
      expect(all[3]).toEqual({
        id: all[3]?.id,
        at: NOW - 2 * HOUR,
        type: 'sign_in',
        outcome: 'success',
        zuid: 7,
        clientId: null,
        actor: 'user:7',
        ip: '192.0.2.1',
        detail: { n: 1, ok: true },
      });
      const mine = await store.listAuditEvents({ zuid: 7, limit: 10 });
      expect(mine.map((e) => e.type)).toEqual(['consent', 'sign_in']);
      const signIns = await store.listAuditEvents({ zuid: 7, types: ['sign_in'], limit: 10 });
      expect(signIns).toHaveLength(1);
      const recent = await store.listAuditEvents({ since: NOW - HOUR, limit: 10 });
      expect(recent).toHaveLength(3);
      expect(await store.listAuditEvents({ limit: 2 })).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('R15.3: the janitor deletes audit events older than the retention period, and only those', async () => {
    const store = await kind.open();
    try {
      await store.recordAuditEvent(event({ at: NOW - 91 * DAY }));
      await store.recordAuditEvent(event({ at: NOW - 89 * DAY }));
      await store.recordAuditEvent(event({ at: NOW }));
      // Default retention: 90 days.
      const first = await store.sweepExpired(NOW);
      expect(first).toMatchObject({ outcome: 'swept', deleted: { audit_events: 1 } });
      expect((await store.listAuditEvents({ limit: 10 })).map((e) => e.at)).toEqual([
        NOW,
        NOW - 89 * DAY,
      ]);
      // A shorter retention (--audit-retention 30) takes the 89-day-old one too.
      const second = await store.sweepExpired(NOW, undefined, 30 * DAY);
      expect(second).toMatchObject({ outcome: 'swept', deleted: { audit_events: 1 } });
      expect((await store.listAuditEvents({ limit: 10 })).map((e) => e.at)).toEqual([NOW]);
    } finally {
      await store.close();
    }
  });

  it('R15.1: the janitor deletes expired pushed authorization requests and keeps live ones', async () => {
    const store = await kind.open();
    try {
      const client = await addClient(store);
      const [dead, live] = [hash(), hash()];
      for (const [uriHash, expiresAt] of [
        [dead, NOW - 1],
        [live, NOW + 60_000],
      ] as const)
        await store.savePushedRequest({
          uriHash,
          clientId: client.clientId,
          params: [],
          expiresAt,
          createdAt: NOW - 60_000,
        });
      const result = await store.sweepExpired(NOW);
      expect(result).toMatchObject({ outcome: 'swept', deleted: { pushed_requests: 1 } });
      expect(await store.findPushedRequest(live, NOW)).toBeDefined();
      expect(await store.takePushedRequest(dead, NOW - 2)).toEqual({ outcome: 'unknown' });
    } finally {
      await store.close();
    }
  });
});
