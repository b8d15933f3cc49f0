import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge, type IpcResult } from '../shared/ipc';

/**
 * The whole bridge: one named function per contract channel and `on(event)`.
 * ipcRenderer itself never reaches the page, nor does Electron's event object.
 */
const bridge = createBridge({
  invoke: (channel, input) => ipcRenderer.invoke(channel, input) as Promise<IpcResult>,
  subscribe: (event, listener) => {
    const handler = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(`event:${event}`, handler);
    return () => ipcRenderer.removeListener(`event:${event}`, handler);
  },
});

/**
 * Files dropped on the window or picked in the page carry no path in a sandboxed
 * renderer; webUtils gives it here, so the core can read them as streams. An item with
 * no path (dragged text, a link) comes back as ''.
 */
function pathsForFiles(files: File[]): string[] {
  return files.map((file) => {
    try {
      return webUtils.getPathForFile(file);
    } catch {
      return '';
    }
  });
}

contextBridge.exposeInMainWorld('sferum', { ...bridge, pathsForFiles });
