import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';

/**
 * Starts the real desktop app where an Electron binary exists. Requiring the
 * `electron` package would try to download the binary, so look for it on disk.
 */
function electronBinary(): string | null {
  const dir = resolve('node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const hasBuild = existsSync('out/main/index.js') && existsSync('out/renderer/index.html');
const reason = !binary
  ? 'the Electron binary is not installed (it downloads from GitHub, which this machine cannot reach)'
  : 'the app is not built (run npm run build)';
if (!binary || !hasBuild) console.log(`Electron smoke test skipped: ${reason}.`);

describe.skipIf(!binary || !hasBuild)('Electron smoke test', () => {
  it('opens the window on the sign-in screen with the bridge and without Node', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'sferum-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: ['.', `--user-data-dir=${userData}`],
      env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' },
    });
    try {
      const page = await app.firstWindow();
      await page.getByTestId('signin-phone').waitFor({ timeout: 60_000 });
      expect(await page.evaluate('typeof window.sferum.authRequestCode')).toBe('function');
      expect(await page.evaluate('typeof window.require')).toBe('undefined');
      expect(await page.evaluate('typeof window.process')).toBe('undefined');
      expect(page.url()).toMatch(/^app:\/\/sferum\//);
    } finally {
      await app.close();
      rmSync(userData, { recursive: true, force: true });
    }
  });
});
