#!/usr/bin/env node
// Starts the desktop app from the built files (`npm start` runs `electron-vite build` first).
import { spawnSync } from 'node:child_process';
import { electronBinary, electronVersion, fail, prepareElectronSqlite, root } from './electron-native.mjs';

const binary = electronBinary();
if (!binary) {
  fail(
    `The Electron ${electronVersion} binary is not installed and could not be downloaded.\n` +
      'Electron downloads its binary from GitHub on first use; this machine cannot reach it.\n' +
      'Run the web version instead: npm run web (then open the address it prints).',
  );
}
if (!prepareElectronSqlite())
  fail('Could not build better-sqlite3 for Electron (it needs the Electron headers).');

const run = spawnSync(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
