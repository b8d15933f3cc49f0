import type { ApiClient } from '../../shared/apiClient.js';
import type { ChatMembersResponse, ChatRecord } from '../../shared/chats/index.js';
import {
  HistoryInputSchema,
  SearchInputSchema,
  SendInputSchema,
  type ChatListOutput,
  type HistoryInput,
  type HistoryOutput,
  type TimelineMessage,
} from '../../shared/chats/ipc.js';
import { AppError, hasErrorCode } from '../../shared/errors.js';
import type { Bridge } from '../../shared/ipc.js';
import { Backoff } from '../http/backoff.js';
import type { Clock } from '../uploads/ports.js';
import {
  cleanChat,
  cleanChats,
  cleanHits,
  cleanMessage,
  cleanMessages,
  isTransient,
  pendingTimeline,
  summaryOf,
  timelineOf,
  unreadTotalOf,
  type PendingMessage,
  type WireMessage,
} from './wire.js';

/** The chats part of the bridge (the functions behind CHATS_IPC). */
type ChatMember = ChatMembersResponse['members'][number];

export type ChatsBridge = Pick<Bridge, Extract<keyof Bridge, `chats${string}`>>;

export interface RemoteChatsDeps {
  api: ApiClient;
  /** The signed-in person (null: signed out). */
  me: () => { userId: string; name: string } | null;
  /** Tells the screens which chats to re-read. */
  changed: (chatIds: string[]) => void;
  drafts: { get(chatId: string): string; set(chatId: string, text: string): void };
  randomId: () => string;
  clock: Clock;
  /** The time now as an ISO string (a pending message's time). */
  nowIso: () => string;
  log?: (message: string) => void;
  /** Retry delays after a network error (the clients' one backoff). */
  backoff: { baseMs: number; maxMs: number; random: () => number };
}

export interface RemoteChats extends ChatsBridge {
  /** Re-reads the list and tells which chats differ from the last one read. */
  refresh(): Promise<string[]>;
  /** The connection is back: send what waits now. */
  kick(): void;
  /** Signed out: drop what this page held (the outbox of the person who left included). */
  reset(): void;
}

function sameChat(a: ChatRecord, b: ChatRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Chats over the chat routes, with an outbox in memory: what the web version runs on (and
 * what a desktop core without its cache could). A message is shown at once as «Отправляется»
 * and sent in order with its client id (a retry never makes a second copy); a refusal marks it
 * «Не отправлено» with the code and the sentence and keeps its text for «Повторить».
 */
export function createRemoteChats(deps: RemoteChatsDeps): RemoteChats {
  const { api } = deps;
  const { clock } = deps;
  const log = deps.log ?? (() => {});
  const backoff = new Backoff(deps.backoff);
  let records = new Map<string, ChatRecord>();
  let listed = false;
  /** Messages seen, per chat and seq: replies and «Вы:» are answered from them. */
  let seen = new Map<string, Map<number, WireMessage>>();
  /** The client id each message sent from here had (its stable key in the timeline). */
  let sentKeys = new Map<string, string>();
  let members = new Map<string, ChatMember[]>();
  let outbox: PendingMessage[] = [];
  let pumping = false;
  let inFlight: PendingMessage | null = null;
  let retryTimer: (() => void) | null = null;
  let epoch = 0;

  function me() {
    const who = deps.me();
    if (!who) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    return who;
  }

  function remember(message: WireMessage): void {
    let chat = seen.get(message.chatId);
    if (!chat) seen.set(message.chatId, (chat = new Map()));
    chat.set(message.seq, message);
  }

  function replied(chatId: string) {
    return (seq: number) => {
      const m = seen.get(chatId)?.get(seq);
      return m ? { senderName: m.senderName, text: m.deletedAt ? '' : m.text } : null;
    };
  }

  function readByOf(chatId: string, userId: string) {
    const record = records.get(chatId);
    return (seq: number): number | null => {
      if (record?.kind === 'direct') return record.peerReadSeq !== null && record.peerReadSeq >= seq ? 1 : 0;
      const list = members.get(chatId);
      if (!list) return null;
      return list.filter((m) => m.userId !== userId && m.readSeq >= seq).length;
    };
  }

  function toTimeline(message: WireMessage): TimelineMessage {
    const who = me();
    return timelineOf(message, {
      userId: who.userId,
      replied: replied(message.chatId),
      readBy: readByOf(message.chatId, who.userId),
      keyOf: (seq) => sentKeys.get(`${message.chatId}:${seq}`) ?? null,
    });
  }

  function mineOf(chatId: string, userId: string, name: string) {
    return (seq: number, senderName: string) => {
      const m = seen.get(chatId)?.get(seq);
      return m ? m.senderId === userId : senderName === name;
    };
  }

  async function readList(): Promise<ChatRecord[]> {
    const { chats } = await api.call('chatList');
    const list = cleanChats(chats, log);
    const changed: string[] = [];
    const next = new Map(list.map((r) => [r.id, r]));
    for (const r of list) {
      const before = records.get(r.id);
      if (!before || !sameChat(before, r)) changed.push(r.id);
    }
    for (const id of records.keys()) if (!next.has(id)) changed.push(id);
    records = next;
    listed = true;
    lastChanged = changed;
    return list;
  }
  let lastChanged: string[] = [];

  async function record(chatId: string): Promise<ChatRecord> {
    if (!listed || !records.has(chatId)) await readList();
    const r = records.get(chatId);
    if (!r) throw new AppError('CHAT_NOT_MEMBER', 'This chat is not among yours.');
    return r;
  }

  async function page(chatId: string, query: { before?: number; after?: number; limit: number }) {
    const answer = await api.call('chatMessages', { params: { chatId }, query });
    const messages = cleanMessages(answer.messages, chatId, log);
    for (const m of messages) remember(m);
    return { messages, hasMore: answer.hasMore };
  }

  async function loadMembers(chatId: string): Promise<ChatMember[]> {
    const { members: list } = await api.call('chatMembers', { params: { chatId } });
    members.set(chatId, list);
    return list;
  }

  async function history(input: HistoryInput): Promise<HistoryOutput> {
    const { chatId, anchor, limit } = HistoryInputSchema.parse(input);
    const who = me();
    const [chat] = await Promise.all([
      record(chatId),
      loadMembers(chatId).catch(() => members.get(chatId) ?? []),
    ]);
    let messages: WireMessage[];
    let hasOlder: boolean;
    let hasNewer: boolean;
    const at = anchor.at === 'unread' && chat.readSeq >= chat.lastSeq ? 'latest' : anchor.at;
    if (at === 'latest') {
      const p = await page(chatId, { limit });
      [messages, hasOlder, hasNewer] = [p.messages, p.hasMore, false];
    } else if (at === 'unread') {
      const context = Math.max(1, Math.floor(limit / 5));
      const [older, newer] = await Promise.all([
        page(chatId, { before: chat.readSeq + 1, limit: context }),
        page(chatId, { after: chat.readSeq, limit: limit - context }),
      ]);
      messages = [...older.messages, ...newer.messages];
      [hasOlder, hasNewer] = [older.hasMore, newer.hasMore];
    } else if (anchor.at === 'before') {
      const p = await page(chatId, { before: anchor.seq, limit });
      [messages, hasOlder, hasNewer] = [p.messages, p.hasMore, true];
    } else {
      const p = await page(chatId, { after: (anchor as { seq: number }).seq, limit });
      [messages, hasOlder, hasNewer] = [p.messages, true, p.hasMore];
    }
    const timeline = messages.map(toTimeline);
    if (!hasNewer) {
      for (const p of outbox)
        if (p.chatId === chatId) timeline.push(pendingTimeline(p, who, replied(chatId)));
    }
    const others =
      chat.kind === 'direct' ? 1 : (members.get(chatId) ?? []).filter((m) => m.userId !== who.userId).length;
    return {
      messages: timeline,
      hasOlder,
      hasNewer,
      firstUnreadSeq: chat.readSeq < chat.lastSeq ? chat.readSeq + 1 : null,
      otherMembers: others,
      offline: false,
    };
  }

  function scheduleRetry(): void {
    if (retryTimer) return;
    retryTimer = clock.setTimer(backoff.next(), () => {
      retryTimer = null;
      void pump();
    });
  }

  /** Sends what waits, oldest first; stops at the first message the server could not be asked about. */
  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    const mine = epoch;
    try {
      for (;;) {
        const next = outbox.find((p) => p.status === 'sending');
        if (!next || mine !== epoch) return;
        try {
          const body: { clientId: string; text: string; replyToSeq: number | null; documentIds?: string[] } =
            {
              clientId: next.clientId,
              text: next.text,
              replyToSeq: next.replyToSeq,
            };
          if (next.documentIds.length > 0) body.documentIds = next.documentIds;
          inFlight = next;
          const answer = await api
            .call('chatSend', { params: { chatId: next.chatId }, body })
            .finally(() => (inFlight = null));
          if (mine !== epoch) return;
          backoff.reset();
          const cleaned = cleanMessage(answer.message, next.chatId);
          outbox = outbox.filter((p) => p !== next);
          if (cleaned.ok) {
            remember(cleaned.record);
            sentKeys.set(`${next.chatId}:${cleaned.record.seq}`, next.clientId);
          } else log(`The server's answer to a sent message is malformed: ${cleaned.reason}`);
          deps.changed([next.chatId]);
        } catch (error) {
          if (mine !== epoch) return;
          if (isTransient(error)) {
            scheduleRetry();
            return;
          }
          next.status = 'failed';
          next.error = hasErrorCode(error)
            ? { code: error.code, message: error.message }
            : { code: 'INTERNAL', message: 'The message was not sent.' };
          deps.changed([next.chatId]);
        }
      }
    } finally {
      pumping = false;
    }
  }

  function kick(): void {
    retryTimer?.();
    retryTimer = null;
    void pump();
  }

  function pendingOf(chatId: string, key: string): PendingMessage {
    const p = outbox.find((m) => m.chatId === chatId && m.clientId === key);
    if (!p) throw new AppError('NOT_FOUND', 'There is no such message waiting to be sent.');
    return p;
  }

  function messageOf(chatId: string, data: unknown): TimelineMessage {
    const cleaned = cleanMessage(data, chatId);
    if (!cleaned.ok) throw new AppError('SERVER_NOT_OURS', 'The server answered with a malformed message.');
    remember(cleaned.record);
    deps.changed([chatId]);
    return toTimeline(cleaned.record);
  }

  return {
    async chatsList(): Promise<ChatListOutput> {
      const who = me();
      const list = await readList();
      return {
        chats: list.map((r) => summaryOf(r, mineOf(r.id, who.userId, who.name))),
        unreadTotal: unreadTotalOf(list),
      };
    },
    async chatsContacts() {
      return api.call('chatContacts');
    },
    async chatsOpenDirect({ userId }) {
      const who = me();
      const { chat } = await api.call('chatOpenDirect', { body: { userId } });
      const cleaned = cleanChat(chat);
      if (!cleaned.ok) throw new AppError('SERVER_NOT_OURS', 'The server answered with a malformed chat.');
      records.set(cleaned.record.id, cleaned.record);
      deps.changed([cleaned.record.id]);
      return summaryOf(cleaned.record, mineOf(cleaned.record.id, who.userId, who.name));
    },
    chatsHistory: history,
    async chatsSend(input) {
      const { chatId, text, replyToSeq, documentIds } = SendInputSchema.parse(input);
      const who = me();
      if (text.trim().length === 0) throw new AppError('CHAT_MESSAGE_EMPTY', 'The message is empty.');
      const pending: PendingMessage = {
        clientId: deps.randomId(),
        chatId,
        text,
        replyToSeq,
        documentIds,
        createdAt: deps.nowIso(),
        status: 'sending',
        error: null,
      };
      outbox.push(pending);
      deps.drafts.set(chatId, '');
      deps.changed([chatId]);
      void pump();
      return pendingTimeline(pending, who, replied(chatId));
    },
    async chatsRetry({ chatId, key }) {
      const p = pendingOf(chatId, key);
      if (p.status === 'failed') {
        // Back to the end of the line, so the chat's order is what the person sees.
        outbox = [...outbox.filter((m) => m !== p), p];
        p.status = 'sending';
        p.error = null;
        deps.changed([chatId]);
      }
      kick();
      return null;
    },
    async chatsDiscard({ chatId, key }) {
      const p = pendingOf(chatId, key);
      if (inFlight === p) throw new AppError('VALIDATION_FAILED', 'The message is being sent right now.');
      outbox = outbox.filter((m) => m !== p);
      deps.changed([chatId]);
      return { text: p.text };
    },
    async chatsEdit({ chatId, seq, text }) {
      const { message } = await api.call('chatEdit', {
        params: { chatId, seq: String(seq) },
        body: { text },
      });
      return messageOf(chatId, message);
    },
    async chatsDelete({ chatId, seq }) {
      const { message } = await api.call('chatDelete', { params: { chatId, seq: String(seq) } });
      return messageOf(chatId, message);
    },
    async chatsReport({ chatId, seq, reason }) {
      await api.call('chatReport', { params: { chatId, seq: String(seq) }, body: { reason } });
      return null;
    },
    async chatsMarkRead({ chatId, seq }) {
      const chat = records.get(chatId);
      if (chat && seq <= chat.readSeq) return null;
      const { readSeq } = await api.call('chatRead', { params: { chatId }, body: { seq } });
      const current = records.get(chatId);
      if (current && readSeq > current.readSeq) {
        const unread = Math.max(0, current.lastSeq - readSeq);
        records.set(chatId, { ...current, readSeq, unread: Math.min(current.unread, unread) });
        deps.changed([chatId]);
      }
      return null;
    },
    async chatsAck({ chatId, seq }) {
      await api.call('chatAck', { params: { chatId, seq: String(seq) } });
      const m = seen.get(chatId)?.get(seq);
      if (m) remember({ ...m, acked: true });
      deps.changed([chatId]);
      return null;
    },
    async chatsAcks({ chatId, seq }) {
      return api.call('chatAcks', { params: { chatId, seq: String(seq) } });
    },
    async chatsMembers({ chatId }) {
      return { members: await loadMembers(chatId) };
    },
    async chatsMute({ chatId, muted }) {
      const answer = await api.call('chatMute', { params: { chatId }, body: { muted } });
      const current = records.get(chatId);
      if (current) records.set(chatId, { ...current, muted: answer.muted });
      deps.changed([chatId]);
      return null;
    },
    async chatsSearch(input) {
      const { query, limit } = SearchInputSchema.parse(input);
      if (query.trim().length === 0) return { hits: [] };
      const { hits } = await api.call('chatSearch', { query: { q: query.trim(), limit } });
      return { hits: cleanHits(hits, log) };
    },
    async chatsGetDraft({ chatId }) {
      return { text: deps.drafts.get(chatId) };
    },
    async chatsSetDraft({ chatId, text }) {
      deps.drafts.set(chatId, text);
      return null;
    },
    async refresh() {
      if (!deps.me()) return [];
      await readList();
      return lastChanged;
    },
    kick,
    reset() {
      epoch += 1;
      retryTimer?.();
      retryTimer = null;
      records = new Map();
      listed = false;
      seen = new Map();
      sentKeys = new Map();
      members = new Map();
      outbox = [];
    },
  };
}
