import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DEEP_LINK_SCHEME } from '../../src/main/security.js';

/**
 * The installers' configuration, checked without packaging (packaging downloads
 * Electron, which this machine cannot): electron-builder's own schema, the invite
 * protocol, the fuses, and what ships and what must not.
 */
const require = createRequire(import.meta.url);
const config = require('../../electron-builder.config.cjs');
const { FUSES } = require('../../scripts/fuses.cjs') as { FUSES: Record<string, boolean> };

/** Does an electron-builder `files` list ship this path? (Later patterns win; `!` excludes.) */
function ships(patterns: string[], path: string): boolean {
  // electron-builder matches `files` with minimatch; use the copy it depends on.
  type Match = (p: string, g: string, o?: object) => boolean;
  const loaded = require('minimatch') as Match & { minimatch?: Match };
  const minimatch = loaded.minimatch ?? loaded;
  let included = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (minimatch(path, negated ? pattern.slice(1) : pattern, { dot: true })) included = !negated;
  }
  return included;
}

describe('installers configuration', () => {
  it('passes electron-builder’s own validation', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds AppImage and deb, NSIS and dmg, with icons from resources/', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(existsSync('resources/icon.png')).toBe(true);
    expect(existsSync('resources/icons/512x512.png')).toBe(true);
    expect(readFileSync('resources/icon.png').subarray(1, 4).toString()).toBe('PNG');
  });

  it('registers the sferum-family:// invite protocol, on Linux through the .desktop entry', () => {
    expect(config.protocols).toEqual([expect.objectContaining({ schemes: [DEEP_LINK_SCHEME] })]);
    expect(config.linux.mimeTypes).toContain(`x-scheme-handler/${DEEP_LINK_SCHEME}`);
    expect(config.linux.desktop.entry.MimeType).toContain(`x-scheme-handler/${DEEP_LINK_SCHEME}`);
    expect(config.linux.desktop.entry['Name[ru]']).toBe('Сферум Семья');
  });

  it('flips the fuses: no Node mode, no NODE_OPTIONS, no inspector; encrypted cookies, asar only and checked', () => {
    expect(config.afterPack).toBe('./scripts/fuses.cjs');
    expect(FUSES).toMatchObject({
      RunAsNode: false,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableCookieEncryption: true,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
    });
    const { FuseV1Options } = require('@electron/fuses');
    for (const name of Object.keys(FUSES)) expect(FuseV1Options[name], name).toBeDefined();
    expect(config.asar).toBe(true);
  });

  it('packs the Electron build of better-sqlite3 where the app looks for it', () => {
    const electronVersion = JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')).version;
    expect(config.extraResources).toEqual([
      { from: `.native/electron-${electronVersion}/better_sqlite3.node`, to: 'native/better_sqlite3.node' },
    ]);
    // src/main/nativeBinding.ts reads <resources>/native/better_sqlite3.node.
    expect(readFileSync('src/main/nativeBinding.ts', 'utf8')).toContain("'native', 'better_sqlite3.node'");
  });

  it('ships the built app and its runtime dependencies, never sources, tests, maps or the Node-ABI addon', () => {
    const files: string[] = config.files;
    expect(ships(files, 'out/main/index.js')).toBe(true);
    expect(ships(files, 'out/renderer/index.html')).toBe(true);
    expect(ships(files, 'package.json')).toBe(true);
    for (const path of [
      'src/main/index.ts',
      'tests/e2e/web.test.ts',
      'bench/sync.ts',
      'out/main/index.js.map',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/fastify/test/basic.test.js',
      'node_modules/zod/README.md',
    ]) {
      expect(ships(files, path), path).toBe(false);
    }
  });
});
