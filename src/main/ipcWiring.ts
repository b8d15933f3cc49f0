import { type BrowserWindow, ipcMain, type IpcMainEvent } from 'electron';
import { DROPPED_PATHS_CHANNEL } from '../shared/documents/ipc.js';
import { IPC_CHANNELS, IPC_EVENT_NAMES } from '../shared/ipc.js';
import type { Core } from './core/index.js';
import { createIpcRouter } from './core/ipc.js';
import { isTrustedFrameUrl } from './security.js';

/**
 * One ipcMain handler per contract channel. The router (Electron-free) checks the
 * sender frame, validates the payload and shapes the result; this file only
 * connects it to Electron. Events reach the renderer as plain payloads. The preload's own
 * report of dropped paths comes on a channel of its own, sent before the page's request that
 * enqueues them (messages from one frame arrive in order).
 */
export function wireIpc(core: Core, getWindow: () => BrowserWindow | null): () => void {
  const router = createIpcRouter(core, { isTrustedSender: isTrustedFrameUrl });
  for (const channel of IPC_CHANNELS) {
    ipcMain.handle(channel, (event, input: unknown) =>
      router.invoke(channel, input, { frameUrl: event.senderFrame?.url ?? null }),
    );
  }
  const onDropped = (event: IpcMainEvent, input: unknown) =>
    void router.droppedPaths(input, { frameUrl: event.senderFrame?.url ?? null });
  ipcMain.on(DROPPED_PATHS_CHANNEL, onDropped);
  const unsubscribers = IPC_EVENT_NAMES.map((name) =>
    core.on(name, (payload: unknown) => {
      const window = getWindow();
      if (window && !window.isDestroyed()) window.webContents.send(`event:${name}`, payload);
    }),
  );
  return () => {
    for (const channel of IPC_CHANNELS) ipcMain.removeHandler(channel);
    ipcMain.removeListener(DROPPED_PATHS_CHANNEL, onDropped);
    for (const off of unsubscribers) off();
  };
}
