import { BrowserWindow, screen } from 'electron';
import { APP_ENTRY_URL } from './security.js';

export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Keeps saved bounds only if they are still on a connected display. */
function visibleBounds(saved: WindowBounds | undefined): Partial<WindowBounds> {
  if (!saved) return {};
  const onScreen = screen
    .getAllDisplays()
    .some(
      ({ workArea: a }) =>
        saved.x < a.x + a.width &&
        saved.x + saved.width > a.x &&
        saved.y < a.y + a.height &&
        saved.y + saved.height > a.y,
    );
  return onScreen ? saved : { width: saved.width, height: saved.height };
}

export function createMainWindow(options: {
  preloadPath: string;
  bounds?: WindowBounds;
  onBoundsChange: (bounds: WindowBounds) => void;
}): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    ...visibleBounds(options.bounds),
    show: false,
    title: 'Сферум Семья',
    backgroundColor: '#f5f7fa',
    autoHideMenuBar: true,
    // The Electron security checklist, written out here so that a review of this call (by eye
    // or by a static audit tool) sees it; tests/unit/shell-security.test.ts reads these lines.
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click (auxclick) would otherwise reach links and handlers in the page.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.once('ready-to-show', () => window.show());
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!window.isDestroyed() && !window.isMinimized()) options.onBoundsChange(window.getBounds());
    }, 500);
  };
  window.on('resize', save);
  window.on('move', save);
  void window.loadURL(APP_ENTRY_URL);
  return window;
}
