/** SPEC R7: scope grammar, catalogue and matching. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasScope, loadScopeCatalogue } from '../../src/core/scopes.ts';
import type { OAuthError } from '../../src/core/errors.ts';

const catalogue = loadScopeCatalogue();

describe('R7 scopes', () => {
  it('R7: the shipped catalogue has AaaServer.profile.READ and every SalesIQ resource with five operations', () => {
    const names = catalogue.entries.map((e) => e.name);
    expect(names).toContain('AaaServer.profile.READ');
    for (const r of [
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
    ]) {
      for (const op of ['READ', 'CREATE', 'UPDATE', 'DELETE', 'ALL'])
        expect(names).toContain(`SalesIQ.${r}.${op}`);
    }
    expect(catalogue.entries.every((e) => e.description.length > 5)).toBe(true);
  });

  it('R7: scopes are separated by commas or spaces, matched case-insensitively, answered in catalogue spelling', () => {
    expect(
      catalogue.parse('salesiq.CHATDETAILS.read, AaaServer.profile.READ SalesIQ.chatdetails.READ'),
    ).toEqual(['SalesIQ.chatdetails.READ', 'AaaServer.profile.READ']);
  });

  it('R7: an unknown scope is invalid_scope, and so is none', () => {
    for (const bad of ['SalesIQ.nothing.READ', '', ' , ', 'ZohoCRM.modules.ALL']) {
      try {
        catalogue.parse(bad);
        expect.fail(`accepted ${bad}`);
      } catch (e) {
        expect((e as OAuthError).error).toBe('invalid_scope');
      }
    }
  });

  it.each([
    [['SalesIQ.operators.ALL'], 'SalesIQ.operators.READ', true],
    [['SalesIQ.operators.ALL'], 'SalesIQ.operators.CREATE', true],
    [['SalesIQ.operators.ALL'], 'SalesIQ.operators.UPDATE', true],
    [['SalesIQ.operators.ALL'], 'SalesIQ.operators.DELETE', true],
    [['salesiq.operators.all'], 'SalesIQ.Operators.Read', true],
    [['SalesIQ.operators.ALL'], 'SalesIQ.portals.READ', false],
    [['SalesIQ.operators.READ'], 'SalesIQ.operators.CREATE', false],
    [['SalesIQ.operators.READ'], 'SalesIQ.operators.ALL', false],
    [['SalesIQ.operators.READ'], 'SalesIQ.operators.READ', true],
    [[], 'SalesIQ.operators.READ', false],
  ])('R7: %j grants %s → %s', (granted, required, expected) => {
    expect(hasScope(granted, required)).toBe(expected);
  });

  it('R7: the operator can extend the catalogue with a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-scopes-'));
    const file = join(dir, 'scopes.json');
    writeFileSync(
      file,
      JSON.stringify({ scopes: [{ name: 'Acme.widgets.READ', description: 'Read your widgets' }] }),
    );
    const extended = loadScopeCatalogue('seed', file);
    expect(extended.parse('acme.widgets.read')).toEqual(['Acme.widgets.READ']);
    writeFileSync(file, JSON.stringify({ scopes: [{ name: 'not a scope', description: 'x' }] }));
    expect(() => loadScopeCatalogue('seed', file)).toThrow(/valid name/);
  });
});
