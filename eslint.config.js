import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
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
const PROCESS_SPECIFIC = ['node:*', 'better-sqlite3', 'electron-store', 'fastify', '@tus/*', 'nodemailer'];

/** Keeps Electron, Node and other processes' folders out of code that must run in a browser or anywhere. */
function noProcessImports({ electron, node, folders, message }) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          { name: 'electron', message: electron },
          ...NODE_BUILTINS.flatMap((name) => [name, `node:${name}`]).map((name) => ({ name, message: node })),
        ],
        patterns: [{ group: [...PROCESS_SPECIFIC, ...folders.map((f) => `**/${f}/**`)], message }],
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['node_modules', 'out', 'dist', 'tests/.artifacts', 'resources', '.native'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // CommonJS files that tools load with require (electron-builder's config and hooks).
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Runs anywhere: no Electron, no Node.
    files: ['src/shared/**/*.ts'],
    rules: noProcessImports({
      electron: 'src/shared runs anywhere: no Electron.',
      node: 'src/shared runs anywhere: no Node built-ins.',
      folders: ['server', 'main', 'renderer', 'preload'],
      message: 'src/shared imports nothing process-specific.',
    }),
  },
  {
    // The renderer: a browser page that reaches the main process through the bridge only.
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: noProcessImports({
      electron: 'The renderer talks to the main process through window.sferum only.',
      node: 'The renderer runs in a browser: no Node built-ins.',
      folders: ['server', 'main', 'preload'],
      message: 'The renderer imports only src/shared and its own files.',
    }),
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
