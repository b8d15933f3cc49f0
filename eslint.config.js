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
      folders: ['server', 'main', 'renderer', 'preload', 'client'],
      message: 'src/shared imports nothing process-specific.',
    }),
  },
  {
    // The client layer (uploads, authorised requests) both the desktop core and the web
    // version import: no Electron, no Node, no DOM, and time and chance only through its ports.
    files: ['src/client/**/*.ts'],
    rules: {
      ...noProcessImports({
        electron: 'src/client runs in the desktop core and in the browser: no Electron.',
        node: 'src/client runs in the desktop core and in the browser: no Node built-ins.',
        folders: ['server', 'main', 'renderer', 'preload', 'node'],
        message: 'src/client imports only src/shared and its own files.',
      }),
      'no-restricted-globals': [
        'error',
        ...[
          'window',
          'document',
          'navigator',
          'localStorage',
          'sessionStorage',
          'XMLHttpRequest',
          'fetch',
        ].map((name) => ({
          name,
          message: 'src/client reaches the browser or the network through its ports only.',
        })),
        ...['process', 'Buffer', 'require', '__dirname', '__filename', 'global'].map((name) => ({
          name,
          message: 'src/client runs in the browser too: no Node globals.',
        })),
        ...['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'setImmediate', 'Date'].map(
          (name) => ({
            name,
            message: 'src/client takes time from its Clock port (tests run it on a fake clock).',
          }),
        ),
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'src/client takes chance from a port (tests pass a seeded one).',
        },
      ],
    },
  },
  {
    // The renderer: a browser page that reaches the main process through the bridge only.
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...noProcessImports({
        electron: 'The renderer talks to the main process through window.sferum only.',
        node: 'The renderer runs in a browser: no Node built-ins.',
        folders: ['server', 'main'],
        message: 'The renderer imports only src/shared and its own files.',
      }),
      // The type of window.sferum is the preload's own; nothing else of it reaches the page.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/preload/**'],
              allowTypeImports: true,
              message: 'The renderer takes only the type of window.sferum from the preload.',
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
