import { contextBridge, ipcRenderer } from 'electron';
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

contextBridge.exposeInMainWorld('sferum', bridge);
