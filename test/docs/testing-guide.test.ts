/**
 * docs/testing-zoho-integrations.md shows the vitest example that the suite runs
 * (examples/testing/zoho-integration.test.ts), character for character, and a table of the
 * shipped Zoho scope catalogues that matches catalogues/zoho/*.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string =>
  readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface CatalogueFile {
  product: string;
  service: string;
  source: string;
  sources?: string[];
  source_found_in_search: boolean;
  scopes: unknown[];
}

/** The table row the guide shows for one catalogue file. */
function row(file: CatalogueFile): string {
  const more = (file.sources ?? []).filter((s) => s !== file.source).length;
  const source = more > 0 ? `${file.source} (and ${more} more in the file)` : file.source;
  const found = file.source_found_in_search ? 'yes' : 'no';
  return `| ${file.product} | \`${file.service}\` | ${file.scopes.length} | ${source} | ${found} |`;
}

describe('Testing guide', () => {
  it('R12: the guide’s complete vitest example is the file the suite runs', () => {
    const guide = read('docs/testing-zoho-integrations.md');
    const block = /```ts\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(block).toBe(read('examples/testing/zoho-integration.test.ts'));
  });

  it('R12.5: the guide’s catalogue table lists every catalogues/zoho file with its scope count and source', () => {
    const guide = read('docs/testing-zoho-integrations.md');
    const table =
      /<!-- catalogue-table[^\n]*\n\| product[^\n]*\n\|---[^\n]*\n([\s\S]*?)<!-- \/catalogue-table -->/.exec(
        guide,
      )?.[1];
    const files = readdirSync(new URL('../../catalogues/zoho/', import.meta.url))
      .filter((f) => f.endsWith('.json'))
      .sort();
    const rows = files.map((f) => row(JSON.parse(read(`catalogues/zoho/${f}`)) as CatalogueFile));
    expect(table?.trimEnd().split('\n')).toEqual(rows);
  });
});
