import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the packages' TypeScript sources; the CLI and the packaging tests run dist/.
    alias: [
      { find: /^@tollgate\/client$/, replacement: source('./packages/client/src/index.ts') },
      { find: /^@tollgate\/resource$/, replacement: source('./packages/resource/src/index.ts') },
      {
        find: /^@tollgate\/resource\/fastify$/,
        replacement: source('./packages/resource/src/fastify-plugin.ts'),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
