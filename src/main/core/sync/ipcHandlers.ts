import type { IPC } from '../../../shared/ipc.js';
import { defineHandlers } from '../handlers.js';

/** The sync status line and «Синхронизировать сейчас». */
export const SYNC_IPC_HANDLERS = defineHandlers<typeof IPC>()({
  'sync.getStatus': (core) => core.getSyncStatus(),
  'sync.now': (core) => core.syncNow(),
});
