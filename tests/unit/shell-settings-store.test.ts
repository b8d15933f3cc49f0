import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/main/core/settings/defaults.js';
import type { StoredSettings } from '../../src/main/core/ports.js';

// Only the Electron seam is faked: electron-store asks Electron for the user-data folder.
const userData = mkdtempSync(join(tmpdir(), 'sferum-settings-'));
vi.mock('electron', () => {
  const app = { getPath: () => userData, getVersion: () => '0.1.0' };
  const ipcMain = { on: () => undefined };
  return { default: { app, ipcMain, shell: {} }, app, ipcMain };
});

const { createElectronSettingsStore } = await import('../../src/main/settingsStore.js');

const defaults = DEFAULT_SETTINGS;

describe('settings through electron-store', () => {
  afterAll(() => rmSync(userData, { recursive: true, force: true }));

  it('starts from the defaults: Russian, the embedded server', () => {
    expect(createElectronSettingsStore(defaults).get()).toEqual(defaults);
  });

  it('keeps language, theme, server address, window bounds and the active account across restarts', () => {
    const first = createElectronSettingsStore(defaults);
    first.set({
      language: 'en',
      theme: 'dark',
      serverUrl: 'https://family.school.ru',
      windowBounds: { x: 10, y: 20, width: 1100, height: 700 },
      activeAccountId: 'acc-1',
      accounts: [{ id: 'acc-1', deviceId: 'device-aaaaaaaaaaaaaaaa', label: 'Иванова Мария' }],
    });
    const second = createElectronSettingsStore(defaults);
    expect(second.get()).toMatchObject({
      language: 'en',
      theme: 'dark',
      serverUrl: 'https://family.school.ru',
      windowBounds: { x: 10, y: 20, width: 1100, height: 700 },
      activeAccountId: 'acc-1',
    });
    expect(second.get().accounts[0]?.label).toBe('Иванова Мария');
    const onDisk = JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8')) as StoredSettings;
    expect(onDisk.language).toBe('en');
  });

  it('goes back to the embedded server when the address is cleared', () => {
    const store = createElectronSettingsStore(defaults);
    store.set({ serverUrl: null });
    expect(createElectronSettingsStore(defaults).get().serverUrl).toBeNull();
  });
});
