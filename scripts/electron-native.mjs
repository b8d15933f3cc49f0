// Shared by `npm start` and `npm run dist`: the Electron binary, and better-sqlite3 built for
// Electron's ABI. Tests and the server use the Node build in node_modules; the Electron build
// lives in its own folder (.native/electron-<version>/) and never replaces it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');
const electronDir = join(root, 'node_modules', 'electron');
export const electronVersion = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;
export const nativeDir = join(root, '.native', `electron-${electronVersion}`);
export const nativeFile = join(nativeDir, 'better_sqlite3.node');

export function fail(message) {
  console.error(`\n${message}\n`);
  process.exit(1);
}

/** The Electron binary's path, downloading it on first use; null when that is impossible. */
export function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  const installed = () => {
    if (!existsSync(pathFile)) return null;
    const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8'));
    return existsSync(binary) ? binary : null;
  };
  if (installed()) return installed();
  console.log(`Downloading the Electron ${electronVersion} binary...`);
  spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'ignore' });
  return installed();
}

/** Builds better-sqlite3 for Electron's ABI once, into .native/electron-<version>/. */
export function prepareElectronSqlite() {
  if (existsSync(nativeFile)) return nativeFile;
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
  const ok = built.status === 0 && existsSync(output);
  if (ok) {
    mkdirSync(nativeDir, { recursive: true });
    cpSync(output, nativeFile);
  }
  rmSync(work, { recursive: true, force: true });
  return ok ? nativeFile : null;
}
