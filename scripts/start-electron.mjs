#!/usr/bin/env node
// Starts the desktop app from the built files (`npm start` runs `electron-vite build` first).
// Electron needs better-sqlite3 built for its own ABI; tests and the server use the Node
// build in node_modules. This prepares the Electron build once, in its own folder
// (.native/electron-<version>/), and never touches node_modules' copy.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const electronDir = join(root, 'node_modules', 'electron');
const electronVersion = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;

function fail(message) {
  console.error(`\n${message}\n`);
  process.exit(1);
}

function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  if (existsSync(pathFile)) {
    const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8'));
    if (existsSync(binary)) return binary;
  }
  console.log(`Downloading the Electron ${electronVersion} binary...`);
  const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'ignore' });
  if (install.status === 0 && existsSync(pathFile))
    return join(electronDir, 'dist', readFileSync(pathFile, 'utf8'));
  return null;
}

const binary = electronBinary();
if (!binary) {
  fail(
    `The Electron ${electronVersion} binary is not installed and could not be downloaded.\n` +
      'Electron downloads its binary from GitHub on first use; this machine cannot reach it.\n' +
      'Run the web version instead: npm run web (then open the address it prints).',
  );
}

const nativeDir = join(root, '.native', `electron-${electronVersion}`);
const nativeFile = join(nativeDir, 'better_sqlite3.node');
if (!existsSync(nativeFile)) {
  console.log(`Preparing better-sqlite3 for Electron ${electronVersion} in ${nativeDir} ...`);
  const work = mkdtempSync(join(tmpdir(), 'sferum-native-'));
  const pkg = join(work, 'better-sqlite3');
  cpSync(join(root, 'node_modules', 'better-sqlite3'), pkg, { recursive: true });
  rmSync(join(pkg, 'build'), { recursive: true, force: true });
  const common = { cwd: pkg, stdio: 'inherit', env: { ...process.env, npm_config_runtime: 'electron' } };
  let built = spawnSync(
    'npx',
    ['--yes', 'prebuild-install', '--runtime', 'electron', '--target', electronVersion],
    common,
  );
  if (built.status !== 0) {
    built = spawnSync(
      'npx',
      [
        '--yes',
        'node-gyp',
        'rebuild',
        '--release',
        `--target=${electronVersion}`,
        '--dist-url=https://electronjs.org/headers',
      ],
      common,
    );
  }
  const output = join(pkg, 'build', 'Release', 'better_sqlite3.node');
  if (built.status !== 0 || !existsSync(output)) fail('Could not build better-sqlite3 for Electron.');
  mkdirSync(nativeDir, { recursive: true });
  cpSync(output, nativeFile);
  rmSync(work, { recursive: true, force: true });
}

const run = spawnSync(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
