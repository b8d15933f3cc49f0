import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { DROPPED_PATHS_CHANNEL } from '../shared/documents/ipc';
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
 * no path (dragged text, a link, a File the page made itself) comes back as ''.
 *
 * webUtils resolves only a File of a real drop or pick, and this isolated world is the only
 * place that can call it, so the paths it gives are the person's choice: they go to the
 * main process on a channel of their own, before the page's documents.enqueuePaths, which
 * takes no other path (a path the page sends is only a string anyone could write).
 */
function pathsForFiles(files: File[]): string[] {
  const paths = Array.from(files, (file) => {
    try {
      return webUtils.getPathForFile(file);
    } catch {
      return '';
    }
  });
  const real = paths.filter((p) => p !== '');
  if (real.length > 0) ipcRenderer.send(DROPPED_PATHS_CHANNEL, real);
  return paths;
}

const api = { ...bridge, pathsForFiles };

contextBridge.exposeInMainWorld('sferum', api);

/** What the page sees as `window.sferum`: everything exposed here, typed from the object itself. */
export type SferumApi = typeof api;
