import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of STYLE.md, from the bottom: store, core, then api and server, then cli, testing
 * and the package entry points. A folder may import its own layer and those below it, npm
 * packages and the two workspace packages; never a layer above. The two light packages import
 * nothing outside themselves but Node built-ins (and fastify's types, for the resource package's
 * plugin).
 */
const UPPER = {
  server: ['**/server/**'],
  api: ['**/api/**'],
  cli: ['**/cli/**'],
  testing: ['**/testing/**'],
  exports: ['**/exports/**'],
};

/** A `no-restricted-imports` rule refusing the named layers, each with a reason. */
function refuse(files, layers, why) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: layers.map((layer) => ({
            group: UPPER[layer] ?? [`**/${layer}/**`],
            message: why,
          })),
        },
      ],
    },
  };
}

/** Only Node built-ins, relative imports inside the package, and the allowed bare names. */
function standalone(files, allowedBare, escape) {
  const bare = allowedBare.map((name) => `${name}$`).join('|');
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!node:|\\.{1,2}/${bare ? `|${bare}` : ''})`,
              message: 'A light package has no runtime dependencies: Node built-ins only.',
            },
            { group: escape, message: 'A package imports nothing outside its own src/.' },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    ignores: ['node_modules/', 'data/', 'coverage/', 'bench/results/', 'dist/', 'packages/*/dist/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  refuse(
    ['src/store/**'],
    ['core', 'server', 'api', 'cli', 'testing', 'exports'],
    'The store is the bottom layer: it imports nothing above it.',
  ),
  refuse(
    ['src/core/**'],
    ['server', 'api', 'cli', 'testing', 'exports'],
    'Core is protocol logic: no HTTP, no pages, no commands.',
  ),
  refuse(
    ['src/api/**'],
    ['server', 'cli', 'testing', 'exports'],
    'The API is a resource server: it knows nothing of the authorization server.',
  ),
  refuse(
    ['src/server/**'],
    ['cli', 'testing', 'exports'],
    'The server does not depend on its callers.',
  ),
  // One source of time (SPEC R12.1): the server reads its clock, so the emulator can move it.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/clock.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Read the clock (src/core/clock.ts, ctx.now()), so emulated time applies.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Read the clock (src/core/clock.ts, ctx.now()), so emulated time applies.',
        },
      ],
    },
  },
  standalone(['packages/client/src/*.ts'], [], ['../*']),
  standalone(['packages/client/src/*/*.ts'], [], ['../../*']),
  standalone(['packages/resource/src/*.ts'], ['fastify'], ['../*']),
);
