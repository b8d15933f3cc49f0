import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Reads what the Electron shell registers with Electron and checks the security
 * checklist on it. Only Electron itself is faked, as a recorder of what the shell
 * asks of it; the shell's own files run as they are.
 */
const recorded = vi.hoisted(() => ({
  windows: [] as { options: Record<string, unknown>; loaded: string[] }[],
  permissionRequest: null as null | ((...args: unknown[]) => void),
  permissionCheck: null as null | ((...args: unknown[]) => boolean),
  handlers: new Map<string, (event: unknown, input: unknown) => unknown>(),
  listeners: new Map<string, (event: unknown, input: unknown) => void>(),
  schemes: [] as unknown[],
  app: null as unknown as import('node:events').EventEmitter,
}));

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const app = new Emitter();
  recorded.app = app;
  class BrowserWindow extends Emitter {
    webContents = { send: () => undefined };
    constructor(options: Record<string, unknown>) {
      super();
      recorded.windows.push({ options, loaded: [] });
    }
    loadURL(url: string) {
      recorded.windows.at(-1)!.loaded.push(url);
      return Promise.resolve();
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    getBounds = () => ({ x: 0, y: 0, width: 1280, height: 800 });
  }
  const electron = {
    app,
    BrowserWindow,
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: (...args: unknown[]) => void) => (recorded.permissionRequest = fn),
        setPermissionCheckHandler: (fn: (...args: unknown[]) => boolean) => (recorded.permissionCheck = fn),
      },
    },
    protocol: { registerSchemesAsPrivileged: (schemes: unknown[]) => recorded.schemes.push(...schemes) },
    ipcMain: {
      handle: (channel: string, fn: (event: unknown, input: unknown) => unknown) =>
        recorded.handlers.set(channel, fn),
      removeHandler: (channel: string) => recorded.handlers.delete(channel),
      on: (channel: string, fn: (event: unknown, input: unknown) => void) =>
        recorded.listeners.set(channel, fn),
      removeListener: (channel: string, fn: unknown) => {
        if (recorded.listeners.get(channel) === fn) recorded.listeners.delete(channel);
      },
    },
    net: {},
  };
  return { default: electron, ...electron };
});

const { hardenWebContents, registerAppScheme } = await import('../../src/main/harden.js');
const { createMainWindow } = await import('../../src/main/window.js');
const { wireIpc } = await import('../../src/main/ipcWiring.js');
const { CONTENT_SECURITY_POLICY } = await import('../../src/main/security.js');

/** A web contents as Electron would pass it to 'web-contents-created'. */
function fakeContents() {
  const contents = new EventEmitter() as EventEmitter & {
    windowOpenHandler?: (details: { url: string }) => { action: string };
    setWindowOpenHandler(fn: (details: { url: string }) => { action: string }): void;
  };
  contents.setWindowOpenHandler = (fn) => (contents.windowOpenHandler = fn);
  return contents;
}

function fire(contents: EventEmitter, event: string, ...args: unknown[]) {
  let prevented = false;
  contents.emit(event, { preventDefault: () => (prevented = true) }, ...args);
  return prevented;
}

describe('Electron shell hardening', () => {
  const opened: string[] = [];
  let contents: ReturnType<typeof fakeContents>;

  beforeAll(() => {
    registerAppScheme();
    hardenWebContents(async (url) => void opened.push(url));
    contents = fakeContents();
    recorded.app.emit('web-contents-created', {}, contents);
  });

  it('creates the window with context isolation, sandbox, no Node, no <webview> and no middle-click, loading only app://', () => {
    createMainWindow({ preloadPath: '/app/out/preload/index.cjs', onBoundsChange: () => undefined });
    const { options, loaded } = recorded.windows.at(-1)!;
    expect(options.webPreferences).toMatchObject({
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
      disableBlinkFeatures: 'Auxclick',
      preload: '/app/out/preload/index.cjs',
    });
    expect(loaded).toEqual(['app://sferum/index.html']);
    expect(recorded.schemes).toEqual([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ secure: true }) }),
    ]);
  });

  it('refuses navigation away from the app and every <webview>', () => {
    expect(fire(contents, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire(contents, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire(contents, 'will-redirect', 'https://evil.example/')).toBe(true);
    expect(fire(contents, 'will-navigate', 'app://sferum/index.html')).toBe(false);
    expect(fire(contents, 'will-attach-webview', {}, {})).toBe(true);
  });

  it('opens no new windows; a link goes to the vetted external opener instead', () => {
    expect(contents.windowOpenHandler!({ url: 'https://sferum.ru/help' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://sferum.ru/help']);
  });

  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      recorded.permissionRequest!({}, permission, (answer: boolean) => (granted = answer));
      expect(granted, permission).toBe(false);
      expect(recorded.permissionCheck!({}, permission)).toBe(false);
    }
  });

  it('answers IPC only for the app’s own frame, on every contract channel and the preload’s own', async () => {
    const granted: string[][] = [];
    const core = {
      getState: () => {
        throw new Error('must not be reached from an untrusted frame');
      },
      documents: { grants: { add: (paths: string[]) => void granted.push(paths) } },
      on: () => () => undefined,
    } as unknown as import('../../src/main/core/index.js').Core;
    const unwire = wireIpc(core, () => null);
    const { IPC_CHANNELS } = await import('../../src/shared/ipc.js');
    const { DROPPED_PATHS_CHANNEL } = await import('../../src/shared/documents/ipc.js');
    expect([...recorded.handlers.keys()].sort()).toEqual([...IPC_CHANNELS].sort());
    const handler = recorded.handlers.get('app.getState')!;
    // The preload's report of dropped paths: heard only from the app's frame, never answered.
    const dropped = recorded.listeners.get(DROPPED_PATHS_CHANNEL)!;
    for (const frameUrl of ['https://evil.example/', 'file:///tmp/x.html', null]) {
      const sender = { senderFrame: frameUrl ? { url: frameUrl } : null };
      const answer = await handler(sender, null);
      expect(answer).toMatchObject({ ok: false, error: { code: 'IPC_SENDER_REFUSED' } });
      dropped(sender, ['/home/parent/.ssh/id_ed25519']);
    }
    expect(granted).toEqual([]);
    dropped({ senderFrame: { url: 'app://sferum/index.html' } }, ['/home/parent/Справка.pdf']);
    expect(granted).toEqual([['/home/parent/Справка.pdf']]);
    unwire();
    expect(recorded.handlers.size).toBe(0);
    expect(recorded.listeners.size).toBe(0);
  });

  it('serves the UI under a strict Content-Security-Policy', () => {
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });
});
