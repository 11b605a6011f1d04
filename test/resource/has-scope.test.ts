/** SPEC R7: scope matching, as a table. */
import { describe, expect, it } from 'vitest';
import { hasScope } from '../../src/exports/resource.ts';

const OPERATIONS = ['READ', 'CREATE', 'UPDATE', 'DELETE'] as const;

const MATRIX: [granted: string[], required: string, expected: boolean][] = [
  [['SalesIQ.operators.READ'], 'SalesIQ.operators.READ', true],
  [['salesiq.OPERATORS.read'], 'SalesIQ.operators.READ', true],
  [['SalesIQ.operators.READ'], 'salesiq.operators.read', true],
  [['SalesIQ.operators.READ'], 'SalesIQ.operators.CREATE', false],
  [['SalesIQ.operators.CREATE'], 'SalesIQ.operators.READ', false],
  [['SalesIQ.operators.READ'], 'SalesIQ.portals.READ', false],
  [['SalesIQ.operators.READ'], 'Other.operators.READ', false],
  [['SalesIQ.operators.READ'], 'SalesIQ.operators.ALL', false],
  [['SalesIQ.operators.ALL'], 'SalesIQ.operators.ALL', true],
  [['SalesIQ.operators.all'], 'SalesIQ.operators.ALL', true],
  [['SalesIQ.portals.ALL'], 'SalesIQ.operators.READ', false],
  [['SalesIQ.operators.ALL'], 'SalesIQ.operators.EXPORT', false],
  [['SalesIQ.*.ALL'], 'SalesIQ.operators.READ', false],
  [['SalesIQ.operators'], 'SalesIQ.operators.READ', false],
  [[], 'SalesIQ.operators.READ', false],
  [['AaaServer.profile.READ', 'SalesIQ.chatdetails.READ'], 'SalesIQ.chatdetails.READ', true],
  [['AaaServer.profile.READ', 'SalesIQ.chatdetails.READ'], 'SalesIQ.conversations.READ', false],
  ...OPERATIONS.map((op): [string[], string, boolean] => [
    ['SalesIQ.visitors.ALL'],
    `SalesIQ.visitors.${op}`,
    true,
  ]),
  ...OPERATIONS.map((op): [string[], string, boolean] => [
    ['salesiq.visitors.all'],
    `SalesIQ.Visitors.${op.toLowerCase()}`,
    true,
  ]),
  ...OPERATIONS.map((op): [string[], string, boolean] => [
    ['SalesIQ.departments.ALL'],
    `SalesIQ.visitors.${op}`,
    false,
  ]),
];

describe('R7: hasScope(granted, required)', () => {
  it.each(MATRIX)('%j covers %s: %s', (granted, required, expected) => {
    expect(hasScope(granted, required)).toBe(expected);
  });

  it('R7: every operation of every catalogue resource is covered by its ALL and by itself only', () => {
    const resources = [
      'portals',
      'operators',
      'departments',
      'conversations',
      'chatdetails',
      'visitors',
      'feedbacks',
      'cannedresponses',
      'webhooks',
      'Apps',
    ];
    for (const resource of resources) {
      for (const op of OPERATIONS) {
        const scope = `SalesIQ.${resource}.${op}`;
        expect(hasScope([`SalesIQ.${resource}.ALL`], scope)).toBe(true);
        for (const other of OPERATIONS)
          expect(hasScope([`SalesIQ.${resource}.${other}`], scope)).toBe(other === op);
      }
    }
  });
});
