import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { createIpcRouter } from '../../src/main/core/ipc.js';
import type { CoreDeps, SecretStorage } from '../../src/main/core/ports.js';
import { CONTENT_SECURITY_POLICY, mimeType } from '../../src/main/security.js';
import { DROPPED_PATHS_CHANNEL } from '../../src/shared/documents/ipc.js';
import { bridgeName, IPC_CHANNELS, IPC_EVENT_NAMES } from '../../src/shared/ipc.js';
import { createTestCore, type TestCore } from '../helpers/core.js';

/**
 * End-to-end harness: Debian's Chromium driven by playwright-core, the real
 * renderer build, the real server, and for the desktop target the real core
 * behind a test bridge that stands where the preload would.
 */

export const RENDERER_DIR = resolve('out/renderer');
export const SCREENSHOT_DIR = resolve('tests/.artifacts/screenshots');

/** The e2e suites need the built renderer; build it once if a local run has not. */
export function ensureRendererBuilt(): void {
  if (existsSync(join(RENDERER_DIR, 'index.html'))) return;
  const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('electron-vite build failed');
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function newContext(
  browser: Browser,
  options: { locale?: string } = {},
): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, locale: options.locale ?? 'ru-RU' });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

export type BridgeTransport = 'binding' | 'websocket';

/** Where the page opens its WebSocket when the bridge goes over one. */
const IPC_PATH = '/__sferum-ipc';

type Ipc = (channel: string, input: unknown, frameUrl: string | null) => Promise<unknown>;

/**
 * IPC calls over one WebSocket: {id, channel, input} in, {id, result} out. A message costs
 * about what Electron's IPC does (a few hundred microseconds), where a fetch costs a few
 * milliseconds; the sender is the page whose origin opened the socket.
 */
function acceptIpcSockets(server: Server, ipc: Ipc): WebSocketServer {
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (request.url !== IPC_PATH) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const frameUrl = request.headers.origin ? `${request.headers.origin}/` : null;
      ws.on('message', (data) => {
        const { id, channel, input } = JSON.parse(String(data)) as {
          id: number;
          channel: string;
          input: unknown;
        };
        void ipc(channel, input, frameUrl).then((result) => ws.send(JSON.stringify({ id, result })));
      });
    });
  });
  return sockets;
}

/** Serves the built renderer like the app:// protocol does: same files, same CSP. */
async function serveRendererLikeTheApp(ipc?: Ipc): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createHttpServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    let file = resolve(RENDERER_DIR, `.${path === '/' ? '/index.html' : path}`);
    if (!file.startsWith(RENDERER_DIR) || !existsSync(file)) file = join(RENDERER_DIR, 'index.html');
    response.writeHead(200, {
      'content-type': mimeType(file),
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    });
    response.end(readFileSync(file));
  });
  const sockets = ipc ? acceptIpcSockets(server, ipc) : null;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        for (const ws of sockets?.clients ?? []) ws.terminate();
        sockets?.close();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * The preload's job, done from the test: window.sferum with one named function per
 * channel, calling into the real core through the Electron-free IPC router (which
 * checks the sender frame), and events delivered as plain payloads. Paths of dropped
 * files are reported on the preload's own channel before the page's next request, as
 * Electron delivers one frame's messages in order.
 */
function bridgeInitScript(transport: BridgeTransport): string {
  const channels = JSON.stringify(IPC_CHANNELS.map((channel) => [channel, bridgeName(channel)]));
  const events = JSON.stringify(IPC_EVENT_NAMES);
  const invoke =
    transport === 'websocket'
      ? `(() => {
            const socket = new WebSocket('ws://' + location.host + ${JSON.stringify(IPC_PATH)});
            const open = new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
            const waiting = new Map();
            let next = 0;
            socket.addEventListener('message', (e) => {
              const { id, result } = JSON.parse(e.data);
              waiting.get(id)?.(result);
              waiting.delete(id);
            });
            return (channel, input) => {
              const id = ++next;
              const message = JSON.stringify({ id, channel, input });
              return new Promise((resolve) => {
                waiting.set(id, resolve);
                if (socket.readyState === 1) socket.send(message);
                else void open.then(() => socket.send(message));
              });
            };
          })()`
      : `(channel, input) => window.__sferumInvoke(channel, input)`;
  const report =
    transport === 'websocket'
      ? `(paths) => send(${JSON.stringify(DROPPED_PATHS_CHANNEL)}, paths)`
      : `(paths) => window.__sferumDroppedPaths(paths)`;
  return `(() => {
    const listeners = new Map();
    const events = ${events};
    const bridge = {};
    const send = ${invoke};
    const report = ${report};
    let reported = Promise.resolve();
    const invoke = (channel, input) => reported.then(() => send(channel, input));
    for (const [channel, name] of ${channels}) {
      bridge[name] = async (input) => {
        const result = await invoke(channel, input === undefined ? null : input);
        if (result.ok) return result.value;
        const error = new Error(result.error.message);
        error.code = result.error.code;
        throw error;
      };
    }
    // What the preload's webUtils.getPathForFile answers in the app: a test writes real
    // files and lists name -> path in window.__sferumDropPaths; anything else has no path.
    // The paths found go to the core as dropped, the only paths documents.enqueuePaths takes.
    bridge.pathsForFiles = (files) => {
      const paths = Array.from(files, (f) => (window.__sferumDropPaths || {})[f.name] || '');
      const real = paths.filter((p) => p !== '');
      if (real.length > 0) reported = reported.then(() => report(real)).catch(() => undefined);
      return paths;
    };
    bridge.on = (event, listener) => {
      if (!events.includes(event)) throw new Error('Unknown event ' + event);
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return () => listeners.get(event).delete(listener);
    };
    Object.defineProperty(window, '__sferumDeliver', {
      value: (event, payload) => { for (const l of listeners.get(event) ?? []) l(payload); },
    });
    Object.defineProperty(window, 'sferum', { value: Object.freeze(bridge) });
  })();`;
}

export interface DesktopTarget {
  page: Page;
  context: BrowserContext;
  testCore: TestCore;
  /** Closes the page, the core (its data directory stays) and the renderer server. */
  close(): Promise<void>;
}

export async function openDesktopTarget(
  browser: Browser,
  options: {
    serverUrl: string;
    dataDir?: string;
    locale?: string;
    secrets?: SecretStorage;
    /** Extra core dependencies (the documents tests pass fake dialogs and shell). */
    core?: Partial<CoreDeps>;
    /**
     * How the page reaches the core: a Playwright binding (the default, 3-9 ms a call), or
     * a WebSocket to the server that serves the renderer (well under a millisecond, as
     * Electron's IPC); benchmarks of the screens use that.
     */
    transport?: BridgeTransport;
  },
): Promise<DesktopTarget> {
  const transport = options.transport ?? 'binding';
  // The router needs the core, the core comes after the server: the server looks it up per call.
  const routed: { router?: ReturnType<typeof createIpcRouter> } = {};
  const renderer = await serveRendererLikeTheApp(
    transport !== 'binding'
      ? async (channel, input, frameUrl) =>
          channel === DROPPED_PATHS_CHANNEL
            ? { ok: true, value: routed.router!.droppedPaths(input, { frameUrl }) }
            : routed.router!.invoke(channel, input, { frameUrl })
      : undefined,
  );
  const testCore = await createTestCore({
    serverUrl: options.serverUrl,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...options.core,
  });
  const router = createIpcRouter(testCore.core, {
    isTrustedSender: (frameUrl) => new URL(frameUrl).origin === renderer.origin,
  });
  const context = await newContext(browser, options.locale ? { locale: options.locale } : {});
  const page = await context.newPage();
  routed.router = router;
  await page.exposeBinding('__sferumInvoke', (source, channel: string, input: unknown) =>
    router.invoke(channel, input, { frameUrl: source.frame.url() }),
  );
  await page.exposeBinding('__sferumDroppedPaths', (source, paths: unknown) =>
    router.droppedPaths(paths, { frameUrl: source.frame.url() }),
  );
  await page.addInitScript(bridgeInitScript(transport));
  const offs = IPC_EVENT_NAMES.map((event) =>
    testCore.core.on(event, (payload: unknown) => {
      void page
        .evaluate(`window.__sferumDeliver(${JSON.stringify(event)}, ${JSON.stringify(payload)})`)
        .catch(() => undefined);
    }),
  );
  await page.goto(`${renderer.origin}/`);
  return {
    page,
    context,
    testCore,
    close: async () => {
      for (const off of offs) off();
      await context.close();
      await testCore.close();
      await renderer.close();
    },
  };
}
