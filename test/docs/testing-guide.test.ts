/**
 * docs/testing-zoho-integrations.md shows the vitest example that the suite runs
 * (examples/testing/zoho-integration.test.ts), character for character.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string =>
  readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('Testing guide', () => {
  it('R12: the guide’s complete vitest example is the file the suite runs', () => {
    const guide = read('docs/testing-zoho-integrations.md');
    const block = /```ts\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(block).toBe(read('examples/testing/zoho-integration.test.ts'));
  });
});
