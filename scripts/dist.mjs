#!/usr/bin/env node
// Builds the installers: `npm run dist` for this platform, `npm run dist -- --linux --win --mac`
// for others. Packaging downloads Electron itself (from GitHub) and needs better-sqlite3 built
// for Electron, so it runs only where GitHub is reachable; elsewhere it stops with a message.
import { spawnSync } from 'node:child_process';
import { electronBinary, electronVersion, fail, prepareElectronSqlite } from './electron-native.mjs';

const needs =
  `Packaging needs the Electron ${electronVersion} binaries and headers, which are downloaded from GitHub\n` +
  '(github.com, electronjs.org). This machine cannot reach them. Run `npm run dist` on a machine\n' +
  'with internet access; the tests and the web version (`npm run web`) work without it.';

if (!electronBinary()) fail(`Cannot package: the Electron binary could not be downloaded.\n${needs}`);
if (!prepareElectronSqlite())
  fail(`Cannot package: better-sqlite3 could not be built for Electron.\n${needs}`);

const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (build.status !== 0) fail('electron-vite build failed.');
const args = ['electron-builder', '--config', 'electron-builder.config.cjs', ...process.argv.slice(2)];
const pack = spawnSync('npx', args, { stdio: 'inherit' });
if (pack.status !== 0) fail(`electron-builder failed.\n${needs}`);
