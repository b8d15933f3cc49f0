import { type BrowserWindow, dialog, shell } from 'electron';
import type { DialogsPort, ShellPort } from './core/ports.js';

/** The system file dialogs for «Мои документы», attached to the app window when there is one. */
export function electronDialogs(window: () => BrowserWindow | null): DialogsPort {
  return {
    async pickFiles() {
      const w = window();
      const options: Electron.OpenDialogOptions = { properties: ['openFile', 'multiSelections'] };
      const result = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
      return result.canceled ? [] : result.filePaths;
    },
    async saveAs(defaultName) {
      const w = window();
      const options: Electron.SaveDialogOptions = { defaultPath: defaultName };
      const result = w ? await dialog.showSaveDialog(w, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
  };
}

/** Opens downloaded documents with the system's application. */
export function electronShell(): ShellPort {
  return {
    async openPath(path) {
      const error = await shell.openPath(path);
      if (error) throw new Error(error);
    },
    showItemInFolder: (path) => shell.showItemInFolder(path),
  };
}
