import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'crypto',
  'child_process',
  'http',
  'https',
  'net',
  'stream',
  'url',
  'util',
  'events',
  'worker_threads',
  'zlib',
  'buffer',
  'dns',
  'tls',
  'readline',
  'process',
  'timers',
];
const nodeImports = nodeBuiltins.flatMap((m) => [m, `node:${m}`, `node:${m}/*`]);

export default tseslint.config(
  { ignores: ['node_modules', 'out', 'dist', 'tests/.artifacts', 'resources'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    // Runs anywhere: no Electron, no Node, no browser-only globals assumed.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'src/shared runs anywhere: no Electron.' },
            ...nodeImports
              .filter((m) => !m.endsWith('/*'))
              .map((name) => ({ name, message: 'src/shared runs anywhere: no Node built-ins.' })),
          ],
          patterns: [
            {
              group: [
                'node:*',
                'better-sqlite3',
                'electron-store',
                'fastify',
                '**/server/**',
                '**/main/**',
                '**/renderer/**',
              ],
              message: 'src/shared imports nothing process-specific.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer: a browser page. No Electron, no Node; it reaches the main process through the bridge only.
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The renderer talks to the main process through window.sferum only.',
            },
            ...nodeImports
              .filter((m) => !m.endsWith('/*'))
              .map((name) => ({ name, message: 'The renderer runs in a browser: no Node built-ins.' })),
          ],
          patterns: [
            {
              group: [
                'node:*',
                'better-sqlite3',
                'electron-store',
                'fastify',
                '**/server/**',
                '**/main/**',
                '**/preload/**',
              ],
              message: 'The renderer imports only src/shared and its own files.',
            },
          ],
        },
      ],
    },
  },
  {
    // The Electron-free core: testable in plain Node.
    files: ['src/main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The core is Electron-free; take an interface in deps instead.' },
          ],
          patterns: [{ group: ['**/renderer/**', 'electron-store'], message: 'The core is Electron-free.' }],
        },
      ],
    },
  },
);
