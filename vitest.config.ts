import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

const ALL = ['test/**/*.test.ts', 'examples/**/*.test.ts'];

/**
 * The slow tests: browsers, faults on throwaway PostgreSQL clusters, packing and installing the
 * tarballs, and any file named `*.slow.test.ts` (fuzzing, model-based runs, multi-instance loops).
 */
const SLOW = [
  'test/browser/**/*.test.ts',
  'test/faults/**/*.test.ts',
  'test/packaging/**/*.test.ts',
  '**/*.slow.test.ts',
];

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
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/helpers/process-cleanup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // `npm test`: everything quick, two files at a time (most of a file's time is waiting on
      // its server, the database or a child process). `npm run test:all` adds the `full`
      // project afterwards, one file at a time: its fault, browser and load tests measure time.
      {
        extends: true,
        test: {
          name: 'fast',
          include: ALL,
          exclude: SLOW,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'full', include: SLOW, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
