import type { IPC } from '../../../shared/ipc.js';
import { defineHandlers } from '../handlers.js';

/** «Помощь»: a request to support. */
export const SUPPORT_IPC_HANDLERS = defineHandlers<typeof IPC>()({
  'support.send': (core, input) => core.sendSupport(input),
});
