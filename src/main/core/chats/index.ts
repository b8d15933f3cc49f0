import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { createRemoteChats } from '../../../client/chats/remote.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import type { CHATS_IPC } from '../../../shared/chats/ipc.js';
import type { LocalAccountRuntime } from '../auth/accounts.js';
import type { CoreEvents } from '../events.js';
import type { Logger, SyncTiming } from '../ports.js';

type Chats = typeof CHATS_IPC;
type In<C extends keyof Chats> = z.output<Chats[C]['input']>;
type Out<C extends keyof Chats> = Promise<z.input<Chats[C]['output']>>;

/** The chats of the open local account, as the screens ask for them. */
export interface ChatsCore {
  list(): Out<'chats.list'>;
  contacts(): Out<'chats.contacts'>;
  openDirect(input: In<'chats.openDirect'>): Out<'chats.openDirect'>;
  history(input: In<'chats.history'>): Out<'chats.history'>;
  send(input: In<'chats.send'>): Out<'chats.send'>;
  retry(input: In<'chats.retry'>): Out<'chats.retry'>;
  discard(input: In<'chats.discard'>): Out<'chats.discard'>;
  edit(input: In<'chats.edit'>): Out<'chats.edit'>;
  remove(input: In<'chats.delete'>): Out<'chats.delete'>;
  report(input: In<'chats.report'>): Out<'chats.report'>;
  markRead(input: In<'chats.markRead'>): Out<'chats.markRead'>;
  ack(input: In<'chats.ack'>): Out<'chats.ack'>;
  acks(input: In<'chats.acks'>): Out<'chats.acks'>;
  members(input: In<'chats.members'>): Out<'chats.members'>;
  mute(input: In<'chats.mute'>): Out<'chats.mute'>;
  search(input: In<'chats.search'>): Out<'chats.search'>;
  getDraft(input: In<'chats.getDraft'>): Out<'chats.getDraft'>;
  setDraft(input: In<'chats.setDraft'>): Out<'chats.setDraft'>;
  close(): void;
}

export interface ChatsDeps {
  active(): LocalAccountRuntime;
  events: CoreEvents;
  logger: Logger;
  timing: SyncTiming;
  now: () => Date;
}

/** The open account's API client, whichever account is open when a call is made. */
function activeClient(active: () => LocalAccountRuntime): ApiClient {
  return {
    get baseUrl() {
      return active().client.baseUrl;
    },
    call: (name, options) => active().client.call(name, options),
    refresh: () => active().client.refresh(),
    authHeaders: () => active().client.authHeaders(),
    url: (path) => active().client.url(path),
  };
}

export function createChatsCore(deps: ChatsDeps): ChatsCore {
  const { events } = deps;
  const drafts = new Map<string, string>();
  const remote = createRemoteChats({
    api: activeClient(deps.active),
    me: () => {
      const profile = deps.active().profile();
      return profile ? { userId: profile.id, name: `${profile.surname} ${profile.name}`.trim() } : null;
    },
    changed: (chatIds) => events.emit('chats.changed', { chatIds }),
    drafts: {
      get: (chatId) => drafts.get(chatId) ?? '',
      set: (chatId, text) => void (text ? drafts.set(chatId, text) : drafts.delete(chatId)),
    },
    randomId: () => randomBytes(16).toString('base64url'),
    clock: {
      now: () => deps.now().getTime(),
      setTimer(ms, fn) {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
    },
    nowIso: () => deps.now().toISOString(),
    log: (message) => deps.logger.warn(message),
    backoff: {
      baseMs: deps.timing.backoffBaseMs,
      maxMs: deps.timing.backoffMaxMs,
      random: deps.timing.random,
    },
  });
  const offs = [
    events.on('cache.changed', (payload) => {
      if (!payload.entities.includes('chat')) return;
      remote
        .refresh()
        .then((ids) => ids.length > 0 && events.emit('chats.changed', { chatIds: ids }))
        .catch(() => undefined);
    }),
    events.on('sync.status', (status) => {
      if (status.state === 'online') remote.kick();
      if (status.state === 'signed_out') remote.reset();
    }),
  ];
  return {
    list: () => remote.chatsList(),
    contacts: () => remote.chatsContacts(),
    openDirect: (input) => remote.chatsOpenDirect(input),
    history: (input) => remote.chatsHistory(input),
    send: (input) => remote.chatsSend(input),
    retry: (input) => remote.chatsRetry(input),
    discard: (input) => remote.chatsDiscard(input),
    edit: (input) => remote.chatsEdit(input),
    remove: (input) => remote.chatsDelete(input),
    report: (input) => remote.chatsReport(input),
    markRead: (input) => remote.chatsMarkRead(input),
    ack: (input) => remote.chatsAck(input),
    acks: (input) => remote.chatsAcks(input),
    members: (input) => remote.chatsMembers(input),
    mute: (input) => remote.chatsMute(input),
    search: (input) => remote.chatsSearch(input),
    getDraft: (input) => remote.chatsGetDraft(input),
    setDraft: (input) => remote.chatsSetDraft(input),
    close() {
      for (const off of offs) off();
      remote.reset();
    },
  };
}
