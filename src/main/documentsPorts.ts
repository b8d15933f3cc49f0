import { type BrowserWindow, dialog, shell } from 'electron';
import type { DialogsPort, ShellPort } from './core/ports.js';

/** The system dialogs (files for «Мои документы», confirmations), attached to the app window when there is one. */
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
    async confirm(question) {
      const w = window();
      const options: Electron.MessageBoxOptions = {
        type: 'question',
        title: question.title,
        message: question.message,
        detail: question.detail,
        buttons: [question.yes, question.no],
        defaultId: 0,
        cancelId: 1,
        noLink: true,
      };
      const result = w ? await dialog.showMessageBox(w, options) : await dialog.showMessageBox(options);
      return result.response === 0;
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
