import type { CHATS_IPC } from '../../../shared/chats/ipc.js';
import { defineHandlers } from '../handlers.js';

/** The chats channels, spread into the IPC router's handler table. */
export const CHATS_IPC_HANDLERS = defineHandlers<typeof CHATS_IPC>()({
  'chats.list': (core) => core.chats.list(),
  'chats.contacts': (core) => core.chats.contacts(),
  'chats.openDirect': (core, input) => core.chats.openDirect(input),
  'chats.history': (core, input) => core.chats.history(input),
  'chats.send': (core, input) => core.chats.send(input),
  'chats.retry': (core, input) => core.chats.retry(input),
  'chats.discard': (core, input) => core.chats.discard(input),
  'chats.edit': (core, input) => core.chats.edit(input),
  'chats.delete': (core, input) => core.chats.remove(input),
  'chats.report': (core, input) => core.chats.report(input),
  'chats.markRead': (core, input) => core.chats.markRead(input),
  'chats.ack': (core, input) => core.chats.ack(input),
  'chats.acks': (core, input) => core.chats.acks(input),
  'chats.members': (core, input) => core.chats.members(input),
  'chats.mute': (core, input) => core.chats.mute(input),
  'chats.search': (core, input) => core.chats.search(input),
  'chats.getDraft': (core, input) => core.chats.getDraft(input),
  'chats.setDraft': (core, input) => core.chats.setDraft(input),
});
