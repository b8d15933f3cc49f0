import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * better-sqlite3 is built for Node's ABI (tests, server). Inside Electron the app
 * loads a separate Electron-ABI build through better-sqlite3's `nativeBinding`
 * option: packaged next to the app's resources, or prepared by
 * `scripts/start-electron.mjs` in `.native/electron-<version>/` during development.
 */
export function electronSqliteBinding(options: {
  resourcesPath: string;
  appPath: string;
  electronVersion: string;
}): string | undefined {
  const candidates = [
    join(options.resourcesPath, 'native', 'better_sqlite3.node'),
    join(options.appPath, '.native', `electron-${options.electronVersion}`, 'better_sqlite3.node'),
  ];
  return candidates.find((path) => existsSync(path));
}
