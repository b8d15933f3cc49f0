import { createRemoteChats, type ChatsBridge } from '../../../client/chats/remote.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import type { Emitter } from '../backend/emitter.js';
import { randomId } from '../backend/browserIdentity.js';

const DRAFT_KEY = 'sferum.chatDraft.';

/**
 * The web version's chats: every function over the chat routes (src/client/chats/remote.ts),
 * an outbox in the page's memory (sent in order, exactly once by client id, «Повторить» on a
 * refusal), drafts in localStorage per person and chat. When the live stream says the feed
 * changed, the list is read again and `chats.changed` names the chats that differ.
 */
export function createWebChats(deps: {
  api: ApiClient;
  emitter: Emitter;
  storage?: Storage;
  me: () => { userId: string; name: string } | null;
  /** Retry delays of the outbox after a network error (tests shorten them). */
  backoff?: { baseMs: number; maxMs: number; random: () => number };
}): ChatsBridge {
  const { emitter } = deps;
  const storage = deps.storage ?? localStorage;
  const draftKey = (chatId: string) => `${DRAFT_KEY}${deps.me()?.userId ?? '-'}.${chatId}`;
  const remote = createRemoteChats({
    api: deps.api,
    me: deps.me,
    changed: (chatIds) => emitter.emit('chats.changed', { chatIds }),
    randomId: () => randomId(22),
    clock: {
      now: () => Date.now(),
      setTimer(ms, fn) {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
    },
    nowIso: () => new Date().toISOString(),
    backoff: deps.backoff ?? { baseMs: 1000, maxMs: 30_000, random: Math.random },
    drafts: {
      get: (chatId) => storage.getItem(draftKey(chatId)) ?? '',
      set: (chatId, text) => {
        try {
          if (text) storage.setItem(draftKey(chatId), text);
          else storage.removeItem(draftKey(chatId));
        } catch {
          // A full storage keeps the draft in the composer only.
        }
      },
    },
  });

  let refreshing: Promise<void> | null = null;
  let again = false;
  function refresh(): void {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = (async () => {
      do {
        again = false;
        try {
          const ids = await remote.refresh();
          if (ids.length > 0) emitter.emit('chats.changed', { chatIds: ids });
        } catch {
          // Offline: the live stream reconnects and says so again.
        }
      } while (again);
    })().finally(() => (refreshing = null));
  }

  emitter.on('cache.changed', (payload) => {
    if (payload.entities.includes('chat')) refresh();
  });
  emitter.on('sync.status', (status) => {
    if (status.state === 'online') remote.kick();
    if (status.state === 'signed_out') remote.reset();
  });

  // The bridge's functions only: refresh, kick and reset stay the page's own.
  const { refresh: _refresh, kick: _kick, reset: _reset, ...bridge } = remote;
  void [_refresh, _kick, _reset];
  return bridge;
}
