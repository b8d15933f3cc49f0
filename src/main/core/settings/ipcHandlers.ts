import type { IPC } from '../../../shared/ipc.js';
import { defineHandlers } from '../handlers.js';

/** Settings: language, theme, notifications and the server address. */
export const SETTINGS_IPC_HANDLERS = defineHandlers<typeof IPC>()({
  'settings.update': (core, input) => core.updateSettings(input),
  'settings.checkServer': (core, { url }) => core.checkServer(url),
});
