import { app, type BrowserWindow, shell } from 'electron';
import { arch, hostname, release, type } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedServer } from '../server/app.js';
import { DEFAULT_SETTINGS } from './core/settings/defaults.js';
import { createCore } from './core/index.js';
import { isVkIdLink } from './core/auth/vkid.js';
import { vetExternalUrl } from './core/externalUrl.js';
import { hardenWebContents, registerAppScheme, serveRenderer } from './harden.js';
import { electronDialogs, electronShell } from './documentsPorts.js';
import { createDeepLinkQueue, findDeepLink } from './deepLinks.js';
import { wireIpc } from './ipcWiring.js';
import { electronSqliteBinding } from './nativeBinding.js';
import { electronNotifications } from './notifications.js';
import { createSafeStorage } from './secretStorage.js';
import { DEEP_LINK_SCHEME } from './security.js';
import { createElectronSettingsStore } from './settingsStore.js';
import { createMainWindow } from './window.js';

/** The Electron composition root: a few lines of wiring around the Electron-free core. */

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

async function main(): Promise<void> {
  let window: BrowserWindow | null = null;
  app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
  // Invite links (sferum-family://invite/<token>): from argv at a cold start, from a
  // second instance's argv (Windows, Linux), from open-url (macOS). The core keeps the
  // invite until the window asks for it, and the window comes to the front.
  const deepLinks = createDeepLinkQueue();
  const toFront = () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  };
  app.on('open-url', (event, url) => {
    event.preventDefault();
    deepLinks.receive(url);
    toFront();
  });
  app.on('second-instance', (_event, argv) => {
    deepLinks.receive(findDeepLink(argv));
    toFront();
  });
  deepLinks.receive(findDeepLink(process.argv));

  const openExternal = async (url: string) => shell.openExternal(vetExternalUrl(url));
  await app.whenReady();
  hardenWebContents(openExternal);
  serveRenderer(join(import.meta.dirname, '../renderer'));

  const userData = app.getPath('userData');
  const nativeBinding = electronSqliteBinding({
    resourcesPath: process.resourcesPath,
    appPath: app.getAppPath(),
    electronVersion: process.versions.electron ?? '',
  });
  const settings = createElectronSettingsStore(DEFAULT_SETTINGS);
  const core = await createCore({
    dataDir: join(userData, 'profiles'),
    secrets: createSafeStorage(),
    settings,
    deviceName: `Сферум Семья — ${hostname()}`,
    appVersion: app.getVersion(),
    notifications: electronNotifications(() => window),
    osDescription: `${type()} ${release()} ${arch()}`,
    nativeBinding,
    openExternal,
    dialogs: electronDialogs(() => window),
    shell: electronShell(),
    startEmbeddedServer: () =>
      startEmbeddedServer({ dataDir: join(userData, 'embedded-server'), demo: true, nativeBinding }),
  });

  const unwire = wireIpc(core, () => window);
  deepLinks.attach((url) => void (isVkIdLink(url) ? core.vkid.openLink(url) : core.family.openLink(url)));
  const open = () => {
    window = createMainWindow({
      preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
      bounds: settings.get().windowBounds,
      onBoundsChange: (bounds) => settings.set({ windowBounds: bounds }),
    });
    window.on('closed', () => (window = null));
  };
  open();

  app.on('activate', () => {
    if (!window) open();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    unwire();
    void core.close().finally(() => app.exit(0));
  });
}
