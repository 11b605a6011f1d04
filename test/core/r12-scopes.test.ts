/** SPEC R12.5: scope catalogues (seed, zoho, any, a file) and the extended scope grammar. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasScope,
  isWellFormedScope,
  loadScopeCatalogue,
  zohoCatalogueFiles,
} from '../../src/core/scopes.ts';
import type { OAuthError } from '../../src/core/errors.ts';
import { startTollgate, type TollgateHandle } from '../../src/testing/index.ts';

const zoho = loadScopeCatalogue('zoho');
const rejects = (catalogue: ReturnType<typeof loadScopeCatalogue>, scope: string): string => {
  try {
    catalogue.parse(scope);
  } catch (e) {
    return (e as OAuthError).error;
  }
  return 'accepted';
};

describe('R12.5 scope catalogues', () => {
  it('R12.5: the zoho catalogue ships the 17 products, each file citing its source page', () => {
    const services = new Set(zoho.entries.map((e) => e.name.split('.')[0]));
    for (const service of [
      'ZohoCRM',
      'ZohoBigin',
      'ZohoBooks',
      'ZohoInvoice',
      'ZohoInventory',
      'Desk',
      'ZohoProjects',
      'ZohoMail',
      'ZOHOPEOPLE',
      'ZohoRecruit',
      'ZohoCreator',
      'ZohoAnalytics',
      'ZohoCliq',
      'WorkDrive',
      'ZohoSign',
      'ZohoCampaigns',
      'SalesIQ',
    ])
      expect(services, service).toContain(service);
    expect(zohoCatalogueFiles()).toHaveLength(16);
    for (const file of zohoCatalogueFiles()) {
      const data = JSON.parse(
        readFileSync(new URL(`../../catalogues/zoho/${file}`, import.meta.url), 'utf8'),
      ) as { product: string; source: string; scopes: { name: string; description: string }[] };
      expect(data.source, file).toMatch(/^https:\/\/[a-z.]*zoho\.com\//);
      expect(data.scopes.length, file).toBeGreaterThan(10);
      expect(data.scopes.every((s) => s.description.includes(data.product))).toBe(true);
    }
  });

  it("R12.5 (issue 12): Mail's four-part organization scopes and People's timesheet scope, as Zoho's pages name them", () => {
    // https://www.zoho.com/mail/help/api/ and https://www.zoho.com/people/api/scopes.html
    expect(
      zoho.parse(
        'ZohoMail.organization.accounts.READ,ZohoMail.organization.groups.CREATE,ZohoMail.partner.organization.CREATE,ZOHOPEOPLE.timesheet.READ',
      ),
    ).toEqual([
      'ZohoMail.organization.accounts.READ',
      'ZohoMail.organization.groups.CREATE',
      'ZohoMail.partner.organization.CREATE',
      'ZOHOPEOPLE.timesheet.READ',
    ]);
    expect(zoho.find('ZohoMail.organization.domains.ALL')?.description).toBe(
      "Read, create, change and delete the organization's domains in Zoho Mail",
    );
    // The three-part forms this catalogue used to list are not Zoho's.
    expect(rejects(zoho, 'ZohoMail.organization.READ')).toBe('invalid_scope');
    expect(rejects(zoho, 'ZohoMail.partner.ALL')).toBe('invalid_scope');
    for (const file of ['mail.json', 'people.json', 'invoice.json', 'inventory.json']) {
      const data = JSON.parse(
        readFileSync(new URL(`../../catalogues/zoho/${file}`, import.meta.url), 'utf8'),
      ) as { source_found_in_search: boolean; checked: string };
      expect(data.source_found_in_search, file).toBe(true);
      expect(data.checked.length, file).toBeGreaterThan(80);
    }
  });

  it('R12.5: the zoho catalogue accepts what Zoho libraries ask for, in any case', () => {
    expect(
      zoho.parse(
        'ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoBooks.fullaccess.all',
      ),
    ).toEqual([
      'ZohoCRM.modules.ALL',
      'ZohoCRM.settings.ALL',
      'ZohoCRM.users.READ',
      'ZohoBooks.fullaccess.all',
    ]);
    expect(zoho.parse('zohocrm.modules.leads.read')).toEqual(['ZohoCRM.modules.leads.READ']);
    expect(zoho.parse('ZohoProjects.portals.READ WorkDrive.teamfolders.sharing.READ')).toEqual([
      'ZohoProjects.portals.READ',
      'WorkDrive.teamfolders.sharing.READ',
    ]);
    // A module the catalogue does not list, under a listed ALL: described by the ALL.
    expect(zoho.parse('ZohoCRM.modules.Custom_Module1.CREATE')).toEqual([
      'ZohoCRM.modules.Custom_Module1.CREATE',
    ]);
    expect(zoho.find('ZohoCRM.modules.Custom_Module1.CREATE')?.description).toBe(
      zoho.find('ZohoCRM.modules.ALL')?.description,
    );
    expect(rejects(zoho, 'ZohoCRM.nothing.READ')).toBe('invalid_scope');
    expect(rejects(zoho, 'ZohoCRM.modules.WRITE')).toBe('invalid_scope');
  });

  it("R12.5 (issue 12): Campaigns lists Zoho's composite operations and no undocumented scopes", () => {
    const campaigns = zoho.entries.map((e) => e.name).filter((n) => n.startsWith('ZohoCampaigns.'));
    const ops = ['READ', 'CREATE', 'UPDATE', 'DELETE', 'CREATE-UPDATE', 'WRITE', 'ALL'];
    expect(campaigns.sort()).toEqual(
      ['campaign', 'contact'].flatMap((m) => ops.map((op) => `ZohoCampaigns.${m}.${op}`)).sort(),
    );
    expect(zoho.parse('ZohoCampaigns.contact.create-update')).toEqual([
      'ZohoCampaigns.contact.CREATE-UPDATE',
    ]);
    // https://www.zoho.com/campaigns/help/developers/access-token.html names no such scopes.
    expect(rejects(zoho, 'ZohoCampaigns.automation.READ')).toBe('invalid_scope');
    expect(rejects(zoho, 'ZohoCampaigns.reports.READ')).toBe('invalid_scope');
  });

  it("R12.5 (issue 12): Analytics and Cliq list Zoho's spellings, not invented scopes", () => {
    // https://www.zoho.com/analytics/api/v2/ (lower-case operations) and
    // https://www.zoho.com/cliq/help/restapi/v2/ (Organisation with an s).
    expect(
      zoho.parse(
        'ZohoAnalytics.data.READ,zohoanalytics.fullaccess.all,ZohoCliq.organisation.create,ZohoCliq.messages.CREATE',
      ),
    ).toEqual([
      'ZohoAnalytics.data.read',
      'ZohoAnalytics.fullaccess.all',
      'ZohoCliq.Organisation.CREATE',
      'ZohoCliq.Messages.CREATE',
    ]);
    for (const gone of [
      'ZohoAnalytics.org.READ',
      'ZohoCliq.Buddies.ALL',
      'ZohoCliq.OrganizationUsers.READ',
      'ZohoCliq.Webhooks.DELETE',
    ])
      expect(rejects(zoho, gone), gone).toBe('invalid_scope');
    // Every product file either cites a page the search tool found or says what was searched.
    for (const file of zohoCatalogueFiles()) {
      const data = JSON.parse(
        readFileSync(new URL(`../../catalogues/zoho/${file}`, import.meta.url), 'utf8'),
      ) as { source_found_in_search: boolean; note?: string };
      if (!data.source_found_in_search) expect(data.note?.length ?? 0, file).toBeGreaterThan(40);
    }
    for (const file of ['analytics.json', 'cliq.json', 'campaigns.json']) {
      const data = JSON.parse(
        readFileSync(new URL(`../../catalogues/zoho/${file}`, import.meta.url), 'utf8'),
      ) as { source_found_in_search: boolean; checked: string };
      expect(data.source_found_in_search, file).toBe(true);
      expect(data.checked.length, file).toBeGreaterThan(80);
    }
  });

  it('R12.5: seed knows only AaaServer and SalesIQ; any accepts every well-formed scope', () => {
    const seed = loadScopeCatalogue('seed');
    expect(rejects(seed, 'ZohoCRM.modules.ALL')).toBe('invalid_scope');
    const any = loadScopeCatalogue('any');
    expect(
      any.parse('Acme.widgets.blue.read, ZohoCRM.modules.ALL Acme.widgets.CREATE-UPDATE'),
    ).toEqual(['Acme.widgets.blue.read', 'ZohoCRM.modules.ALL', 'Acme.widgets.CREATE-UPDATE']);
    for (const bad of [
      'Acme.READ',
      'Acme..widgets.READ',
      'Acme.widgets.',
      '.widgets.READ',
      '1x.y.READ',
      'a.b.READ1',
      'a.b.-READ',
      'a.b.READ-',
      'a.b.READ--X',
    ])
      expect(rejects(any, bad), bad).toBe('invalid_scope');
  });

  it.each([
    ['ZohoBooks.fullaccess.all', true],
    ['ZohoCRM.modules.leads.READ', true],
    ['ZohoCRM.settings.custom_views.READ', true],
    ['Desk.tickets.ALL', true],
    ['ZohoCRM.modules', false],
    ['ZohoCRM modules.ALL', false],
    ['ZohoCRM.modules.ALL.', false],
    // Composite operations: alphabetic words joined by single dashes.
    ['ZohoCampaigns.contact.CREATE-UPDATE', true],
    ['zohocampaigns.campaign.create-update-delete', true],
    ['A.b.-READ', false],
    ['A.b.READ-', false],
    ['A.b.READ--X', false],
    ['A.b.READ-2', false],
    ['A.b.2-READ', false],
    ['A.b.READ_X', false],
    ['A.-b.READ', false],
  ])('R12.5: the grammar says %s is well-formed: %s', (scope, ok) => {
    expect(isWellFormedScope(scope)).toBe(ok);
  });

  it.each([
    [['ZohoCRM.modules.ALL'], 'ZohoCRM.modules.leads.READ', true],
    [['ZohoCRM.modules.ALL'], 'ZohoCRM.modules.leads.ALL', true],
    [['ZohoCRM.modules.ALL'], 'zohocrm.MODULES.deals.delete', true],
    [['ZohoCRM.modules.ALL'], 'ZohoCRM.modules.READ', true],
    [['ZohoCRM.modules.ALL'], 'ZohoCRM.modulesx.READ', false],
    [['ZohoCRM.modules.leads.ALL'], 'ZohoCRM.modules.READ', false],
    [['ZohoCRM.modules.leads.ALL'], 'ZohoCRM.modules.contacts.READ', false],
    [['ZohoCRM.ALL'], 'ZohoCRM.modules.READ', false],
    [['ZohoCRM.modules.leads.READ'], 'ZohoCRM.modules.leads.CREATE', false],
    // Composite operations match as a whole; ALL covers them when ALL covers every word.
    [['ZohoCampaigns.contact.CREATE-UPDATE'], 'zohocampaigns.contact.create-update', true],
    [['ZohoCampaigns.contact.CREATE-UPDATE'], 'ZohoCampaigns.contact.CREATE', false],
    [['ZohoCampaigns.contact.CREATE-UPDATE'], 'ZohoCampaigns.contact.UPDATE', false],
    [['ZohoCampaigns.contact.CREATE'], 'ZohoCampaigns.contact.CREATE-UPDATE', false],
    [['ZohoCampaigns.contact.WRITE'], 'ZohoCampaigns.contact.DELETE', false],
    [['ZohoCampaigns.contact.ALL'], 'ZohoCampaigns.contact.CREATE-UPDATE', true],
    [['ZohoCampaigns.contact.ALL'], 'ZohoCampaigns.contact.WRITE', true],
    [['ZohoCampaigns.contact.ALL'], 'ZohoCampaigns.contact.READ-WRITE', true],
    [['ZohoCampaigns.contact.ALL'], 'ZohoCampaigns.contact.CREATE-EXPORT', false],
    [['ZohoCampaigns.contact.ALL'], 'ZohoCampaigns.campaign.CREATE-UPDATE', false],
    [['ZohoCRM.modules.ALL'], 'ZohoCRM.modules.leads.CREATE-UPDATE', true],
  ])('R12.5: %j grants %s → %s', (granted, required, expected) => {
    expect(hasScope(granted, required)).toBe(expected);
  });
});

describe('R12.5 catalogues over HTTP', () => {
  let tollgate: TollgateHandle;
  beforeAll(async () => {
    tollgate = await startTollgate();
  });
  afterAll(async () => tollgate.stop());

  it('R12.5: a ZohoCRM.modules.ALL code exchange works with the default (zoho) catalogue', async () => {
    const user = await tollgate.createUser();
    const app = await tollgate.createClient({ redirectUris: ['http://127.0.0.1:5173/cb'] });
    const result = await tollgate.authorize({
      clientId: app.clientId,
      user,
      scope: 'ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.ALL',
      accessType: 'offline',
    });
    if (!('code' in result)) throw new Error(`no code: ${JSON.stringify(result)}`);
    const res = await fetch(`${tollgate.url}/oauth/v2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: result.code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: 'http://127.0.0.1:5173/cb',
      }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.scope).toBe('ZohoCRM.modules.ALL ZohoCRM.settings.ALL ZohoCRM.users.ALL');
    expect(body.refresh_token).toBeTypeOf('string');
  });
});
