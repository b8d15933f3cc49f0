import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  cleanChat,
  cleanChats,
  cleanMessage,
  cleanMessages,
  isTransient,
  pendingTimeline,
  summaryOf,
  timelineOf,
  unreadTotalOf,
  type PendingMessage,
  type WireMessage,
} from '../../../client/chats/wire.js';
import { Backoff } from '../../../client/http/backoff.js';
import type { ChatRecord } from '../../../shared/chats/index.js';
import { CHATS_IPC, type HistoryOutput, type TimelineMessage } from '../../../shared/chats/ipc.js';
import { AppError, hasErrorCode } from '../../../shared/errors.js';
import type { LocalAccountRuntime } from '../auth/accounts.js';
import type { CoreEvents } from '../events.js';
import type { Logger, SyncTiming } from '../ports.js';
import { ChatCache, type CachedMessage, type Held } from './cache.js';
import { queryWords, snippetOf } from './search.js';

type Chats = typeof CHATS_IPC;
type In<C extends keyof Chats> = z.input<Chats[C]['input']>;
type Parsed<C extends keyof Chats> = z.output<Chats[C]['input']>;

/** Inputs are checked here too: the core is called by the IPC router and by tests alike. */
function parse<C extends keyof Chats>(channel: C, input: In<C>): Parsed<C> {
  return CHATS_IPC[channel].input.parse(input) as Parsed<C>;
}
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
  /** Sends what waits now (the connection is back). */
  kick(): void;
  /** Resolves once the outbox has nothing left to send for now (tests, shutdown). */
  idle(): Promise<void>;
  /** A new message from someone else arrived in this chat (the notifier decides whether to show it). */
  onIncoming(listener: (chat: ChatRecord) => void): () => void;
  /** The chat whose history the screens read last (the one the chats screen shows). */
  shown(): string | null;
  close(): void;
}

export interface ChatsDeps {
  active(): LocalAccountRuntime;
  events: CoreEvents;
  logger: Logger;
  timing: SyncTiming;
  now: () => Date;
}

/** Pages fetched backwards at most to reach the first unread message on opening. */
const UNREAD_PAGES_MAX = 10;

const isOffline = (error: unknown) => hasErrorCode(error) && error.code === 'NETWORK_OFFLINE';

/**
 * Chats on the desktop, local-first. The list is the feed's `chat` records in the cache;
 * the history of a chat the person opened is kept in the cache and caught up by revision
 * when its record says it changed (so it reads offline); a message is written to the
 * outbox at once («Отправляется») and a sender loop posts the outbox in order with each
 * message's client id (a retry never duplicates), backing off while the server cannot be
 * reached; a refusal marks it «Не отправлено» with the code and the sentence. Search runs
 * on the cached messages (FTS5). Drafts are kept in the cache.
 */
export function createChatsCore(deps: ChatsDeps): ChatsCore {
  const { events, logger } = deps;
  const caches = new WeakMap<LocalAccountRuntime, ChatCache>();
  const backoff = new Backoff({
    baseMs: deps.timing.backoffBaseMs,
    maxMs: deps.timing.backoffMaxMs,
    random: deps.timing.random,
  });
  const log = (message: string) => logger.warn(message);
  /** The chat records last seen per account, to tell what changed. */
  let seenAccount: string | null = null;
  let seen = new Map<string, ChatRecord>();
  let pumping: Promise<void> | null = null;
  let pumpAgain = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: string | null = null;
  let closed = false;
  let lastContacts: z.input<Chats['chats.contacts']['output']> | null = null;
  const incoming = new Set<(chat: ChatRecord) => void>();
  let shownChat: string | null = null;
  /** Server work per chat runs one at a time (opening, catching up, paging back). */
  const chains = new Map<string, Promise<unknown>>();

  function serial<T>(chatId: string, fn: () => Promise<T>): Promise<T> {
    const before = chains.get(chatId) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(fn);
    chains.set(chatId, run);
    void run.finally(() => chains.get(chatId) === run && chains.delete(chatId)).catch(() => undefined);
    return run;
  }

  function changed(chatIds: string[]): void {
    if (!closed && chatIds.length > 0) events.emit('chats.changed', { chatIds: [...new Set(chatIds)] });
  }

  function ctx() {
    const account = deps.active();
    const profile = account.profile();
    const userId = account.userId();
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    let cache = caches.get(account);
    if (!cache) caches.set(account, (cache = new ChatCache(account.db)));
    cache.ensureOwner(userId);
    const name = profile ? `${profile.surname} ${profile.name}`.trim() : '';
    return { account, cache, userId, name, api: account.client };
  }
  type Ctx = ReturnType<typeof ctx>;

  function records(c: Ctx): ChatRecord[] {
    return cleanChats(c.account.records.list('chat'), log);
  }

  function record(c: Ctx, chatId: string): ChatRecord {
    const data = c.account.records.get('chat', chatId);
    const cleaned = data ? cleanChat(data) : null;
    if (!cleaned?.ok) throw new AppError('CHAT_NOT_MEMBER', 'This chat is not among yours.');
    return cleaned.record;
  }

  /** The caller's read pointer: the server's, or further if this device read more and has not told it yet. */
  function readSeqOf(c: Ctx, r: ChatRecord): number {
    return Math.max(r.readSeq, c.cache.held(r.id)?.localRead ?? 0);
  }

  function shownRecord(c: Ctx, r: ChatRecord): ChatRecord {
    const read = readSeqOf(c, r);
    if (read <= r.readSeq) return r;
    return { ...r, readSeq: read, unread: Math.min(r.unread, Math.max(0, r.lastSeq - read)) };
  }

  function toTimeline(c: Ctx, r: ChatRecord | null, held: Held | null, m: CachedMessage): TimelineMessage {
    return timelineOf(m, {
      userId: c.userId,
      replied: (seq) => {
        const target = c.cache.message(m.chatId, seq);
        return target ? { senderName: target.senderName, text: target.deletedAt ? '' : target.text } : null;
      },
      readBy: (seq) => {
        if (r?.kind === 'direct') return r.peerReadSeq !== null && r.peerReadSeq >= seq ? 1 : 0;
        if (!held?.members) return null;
        return held.members.filter((x) => x.userId !== c.userId && x.readSeq >= seq).length;
      },
      keyOf: () => m.clientId,
    });
  }

  function replied(c: Ctx, chatId: string) {
    return (seq: number) => {
      const target = c.cache.message(chatId, seq);
      return target ? { senderName: target.senderName, text: target.deletedAt ? '' : target.text } : null;
    };
  }

  function keep(c: Ctx, chatId: string, messages: WireMessage[], low: number): number {
    let max = 0;
    for (const m of messages) {
      max = Math.max(max, m.rev);
      // Only the held run is kept: an edit of an older message not held waits until it is paged in.
      if (m.seq >= low) c.cache.putMessage(m);
    }
    return max;
  }

  /** First open: the newest page, and the run held from there. */
  async function open(c: Ctx, chatId: string, limit: number): Promise<Held> {
    const held = c.cache.held(chatId);
    if (held) return held;
    const page = await c.api.call('chatMessages', { params: { chatId }, query: { limit } });
    const messages = cleanMessages(page.messages, chatId, log);
    return c.cache.transaction(() => {
      const again = c.cache.held(chatId);
      if (again) return again;
      const low = messages[0]?.seq ?? page.lastSeq + 1;
      keep(c, chatId, messages, low);
      const next: Held = {
        chatId,
        low: Math.max(1, Math.min(low, page.lastSeq + 1)),
        high: Math.max(page.lastSeq, messages.at(-1)?.seq ?? 0),
        rev: page.lastRev,
        members: null,
        localRead: 0,
      };
      c.cache.putHeld(next);
      return next;
    });
  }

  /** What was sent, edited or deleted since the revision held, page by page. */
  async function catchUp(c: Ctx, chatId: string, target: number): Promise<boolean> {
    const start = c.cache.held(chatId);
    if (!start || start.rev >= target) return false;
    let held: Held = start;
    for (;;) {
      const from: Held = held;
      const page = await c.api.call('chatMessages', {
        params: { chatId },
        query: { changedAfter: from.rev, limit: 100 },
      });
      const messages = cleanMessages(page.messages, chatId, log);
      held = c.cache.transaction((): Held => {
        const maxRev = keep(c, chatId, messages, from.low);
        const high = Math.max(from.high, ...messages.map((m) => m.seq));
        const rev = page.hasMore ? Math.max(from.rev, maxRev) : Math.max(from.rev, maxRev, page.lastRev);
        const next: Held = { ...(c.cache.held(chatId) ?? from), high, rev };
        c.cache.putHeld(next);
        return next;
      });
      if (!page.hasMore || messages.length === 0 || held.rev >= target) return true;
    }
  }

  /** Older messages than the run held, from the server (the run grows backwards). */
  async function pageBack(c: Ctx, chatId: string, limit: number): Promise<void> {
    const held = c.cache.held(chatId);
    if (!held || held.low <= 1) return;
    const page = await c.api.call('chatMessages', {
      params: { chatId },
      query: { before: held.low, limit },
    });
    const messages = cleanMessages(page.messages, chatId, log).filter((m) => m.seq < held.low);
    c.cache.transaction(() => {
      const now = c.cache.held(chatId) ?? held;
      if (now.low !== held.low) return;
      for (const m of messages) c.cache.putMessage(m);
      const low = messages.length > 0 && page.hasMore ? messages[0]!.seq : 1;
      // Nothing older on the server: the run starts at the first message.
      c.cache.putHeld({ ...now, low: page.hasMore ? Math.min(low, now.low) : 1 });
    });
  }

  async function refreshMembers(c: Ctx, chatId: string): Promise<void> {
    const { members } = await c.api.call('chatMembers', { params: { chatId } });
    c.cache.transaction(() => {
      const held = c.cache.held(chatId);
      if (held)
        c.cache.putHeld({ ...held, members: members.map((m) => ({ userId: m.userId, readSeq: m.readSeq })) });
    });
  }

  async function history(input: In<'chats.history'>): Promise<HistoryOutput> {
    const { chatId, anchor, limit } = parse('chats.history', input);
    const c = ctx();
    const r = record(c, chatId);
    shownChat = chatId;
    let offline = false;
    const online = async (fn: () => Promise<unknown>) => {
      if (offline) return;
      try {
        await fn();
      } catch (error) {
        if (isOffline(error)) offline = true;
        else if (hasErrorCode(error) && error.code === 'CHAT_NOT_MEMBER') throw error;
        else log(`Chat ${chatId}: ${(error as Error).message}`);
      }
    };
    await online(() => serial(chatId, () => open(c, chatId, Math.max(limit, 50))));
    await online(() => serial(chatId, () => catchUp(c, chatId, r.lastRev)));
    if (r.kind !== 'direct') await online(() => refreshMembers(c, chatId));
    let held = c.cache.held(chatId);
    const pending = () =>
      c.cache.outbox(c.userId, chatId).map((p) => pendingTimeline(p, c, replied(c, chatId)));
    if (!held) {
      return {
        messages: pending(),
        hasOlder: false,
        hasNewer: false,
        firstUnreadSeq: null,
        otherMembers: r.kind === 'direct' ? 1 : 0,
        offline: true,
      };
    }
    const readSeq = readSeqOf(c, r);
    let rows: CachedMessage[];
    let hasNewer: boolean;
    const at = anchor.at === 'unread' && readSeq >= held.high ? 'latest' : anchor.at;
    if (at === 'latest') {
      rows = c.cache.before(chatId, Number.MAX_SAFE_INTEGER, held.low, limit);
      hasNewer = false;
    } else if (at === 'unread') {
      for (let i = 0; i < UNREAD_PAGES_MAX && held.low > readSeq + 1 && !offline; i++) {
        await online(() => serial(chatId, () => pageBack(c, chatId, 100)));
        held = c.cache.held(chatId)!;
      }
      const context = Math.max(1, Math.floor(limit / 5));
      const newer = c.cache.after(chatId, readSeq, held.low, limit - context);
      rows = [...c.cache.before(chatId, readSeq + 1, held.low, context), ...newer];
      hasNewer = (newer.at(-1)?.seq ?? readSeq) < held.high;
    } else if (anchor.at === 'before') {
      const seq = anchor.seq;
      rows = c.cache.before(chatId, seq, held.low, limit);
      if (rows.length < limit && held.low > 1) {
        await online(() => serial(chatId, () => pageBack(c, chatId, limit)));
        held = c.cache.held(chatId)!;
        rows = c.cache.before(chatId, seq, held.low, limit);
      }
      hasNewer = true;
    } else {
      const seq = (anchor as { seq: number }).seq;
      rows = c.cache.after(chatId, seq, held.low, limit);
      hasNewer = (rows.at(-1)?.seq ?? seq) < held.high;
    }
    const hasOlder = (rows[0]?.seq ?? held.low) > 1;
    const messages = rows.map((m) => toTimeline(c, r, held, m));
    if (!hasNewer) messages.push(...pending());
    const others = r.kind === 'direct' ? 1 : (held.members ?? []).filter((m) => m.userId !== c.userId).length;
    return {
      messages,
      hasOlder,
      hasNewer,
      firstUnreadSeq: readSeq < r.lastSeq ? readSeq + 1 : null,
      otherMembers: others,
      offline,
    };
  }

  // ---- The sender loop ----

  function scheduleRetry(): void {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      kick();
    }, backoff.next());
  }

  async function sendOne(c: Ctx, p: PendingMessage): Promise<'sent' | 'failed' | 'wait'> {
    const body: { clientId: string; text: string; replyToSeq: number | null; documentIds?: string[] } = {
      clientId: p.clientId,
      text: p.text,
      replyToSeq: p.replyToSeq,
    };
    if (p.documentIds.length > 0) body.documentIds = p.documentIds;
    try {
      inFlight = p.clientId;
      const answer = await c.api.call('chatSend', { params: { chatId: p.chatId }, body });
      const cleaned = cleanMessage(answer.message, p.chatId);
      c.cache.transaction(() => {
        c.cache.removePending(p.clientId);
        const held = c.cache.held(p.chatId);
        if (cleaned.ok && held && cleaned.record.seq >= held.low) {
          c.cache.putMessage(cleaned.record, p.clientId);
          c.cache.putHeld({ ...held, high: Math.max(held.high, cleaned.record.seq) });
        }
      });
      if (!cleaned.ok) log(`The server's answer to a sent message is malformed: ${cleaned.reason}`);
      return 'sent';
    } catch (error) {
      if (isTransient(error) || (hasErrorCode(error) && error.code === 'UNAUTHENTICATED')) return 'wait';
      const reason = hasErrorCode(error)
        ? { code: error.code, message: error.message }
        : { code: 'INTERNAL' as const, message: 'The message was not sent.' };
      c.cache.failPending(p.clientId, reason);
      return 'failed';
    } finally {
      inFlight = null;
    }
  }

  /** Tells the server the read pointers this device moved while it could not. */
  async function flushReads(c: Ctx): Promise<void> {
    for (const held of c.cache.allHeld()) {
      const data = c.account.records.get('chat', held.chatId);
      const cleaned = data ? cleanChat(data) : null;
      if (!cleaned?.ok || held.localRead <= cleaned.record.readSeq) continue;
      await c.api.call('chatRead', { params: { chatId: held.chatId }, body: { seq: held.localRead } });
    }
  }

  async function pumpOnce(): Promise<void> {
    let c: Ctx;
    try {
      c = ctx();
      if (!c.account.signedIn()) return;
    } catch {
      return;
    }
    for (;;) {
      if (closed) return;
      const next = c.cache.outbox(c.userId).find((p) => p.status === 'sending');
      if (!next) break;
      const result = await sendOne(c, next);
      if (result === 'wait') {
        scheduleRetry();
        return;
      }
      backoff.reset();
      changed([next.chatId]);
    }
    try {
      await flushReads(c);
    } catch (error) {
      if (isTransient(error)) scheduleRetry();
    }
  }

  function kick(): void {
    if (closed) return;
    if (retryTimer) {
      clearTimeout(retryTimer);
      retryTimer = null;
    }
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = (async () => {
      do {
        pumpAgain = false;
        await pumpOnce().catch((error: unknown) => logger.error('The chat outbox failed', error));
      } while (pumpAgain && !closed);
    })().finally(() => (pumping = null));
  }

  // ---- What the feed says ----

  function onFeed(): void {
    let c: Ctx;
    try {
      c = ctx();
    } catch {
      return;
    }
    // What an account already held when it was opened is old news: no notification for it.
    const first = seenAccount !== c.account.id;
    if (first) {
      seenAccount = c.account.id;
      seen = new Map();
    }
    const now = new Map(records(c).map((r) => [r.id, r]));
    const ids: string[] = [];
    for (const [id, r] of now) {
      const before = seen.get(id);
      if (before && JSON.stringify(before) === JSON.stringify(r)) continue;
      ids.push(id);
      if (!first && (before ? r.lastSeq > before.lastSeq && r.unread > before.unread : r.unread > 0))
        for (const listener of [...incoming]) listener(r);
      const held = c.cache.held(id);
      if (held && r.lastRev > held.rev) {
        serial(id, () => catchUp(c, id, r.lastRev))
          .then((did) => did && changed([id]))
          .catch(() => undefined);
      }
    }
    for (const id of seen.keys()) if (!now.has(id)) ids.push(id);
    seen = now;
    changed(ids);
  }

  onFeed();
  const offs = [
    events.on('cache.changed', (payload) => {
      if (payload.entities.includes('chat')) onFeed();
    }),
    events.on('sync.status', (status) => {
      if (status.state === 'online') kick();
    }),
  ];

  function pendingOrThrow(c: Ctx, chatId: string, key: string): PendingMessage {
    const p = c.cache.pending(c.userId, chatId, key);
    if (!p) throw new AppError('NOT_FOUND', 'There is no such message waiting to be sent.');
    return p;
  }

  function keptAnswer(c: Ctx, chatId: string, data: unknown): TimelineMessage {
    const cleaned = cleanMessage(data, chatId);
    if (!cleaned.ok) throw new AppError('SERVER_NOT_OURS', 'The server answered with a malformed message.');
    c.cache.transaction(() => {
      const held = c.cache.held(chatId);
      if (held && cleaned.record.seq >= held.low) c.cache.putMessage(cleaned.record);
    });
    changed([chatId]);
    const r = (() => {
      try {
        return record(c, chatId);
      } catch {
        return null;
      }
    })();
    const kept = c.cache.message(chatId, cleaned.record.seq) ?? { ...cleaned.record, clientId: null };
    return toTimeline(c, r, c.cache.held(chatId), kept);
  }

  return {
    async list() {
      const c = ctx();
      const list = records(c)
        .map((r) => shownRecord(c, r))
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id));
      return {
        chats: list.map((r) =>
          summaryOf(r, (seq, senderName) => {
            const m = c.cache.message(r.id, seq);
            return m ? m.senderId === c.userId : senderName === c.name;
          }),
        ),
        unreadTotal: unreadTotalOf(list),
      };
    },

    async contacts() {
      const c = ctx();
      try {
        lastContacts = await c.api.call('chatContacts');
      } catch (error) {
        if (!(isOffline(error) && lastContacts)) throw error;
      }
      return lastContacts;
    },

    async openDirect({ userId }) {
      const c = ctx();
      const { chat } = await c.api.call('chatOpenDirect', { body: { userId } });
      const cleaned = cleanChat(chat);
      if (!cleaned.ok) throw new AppError('SERVER_NOT_OURS', 'The server answered with a malformed chat.');
      // Shown at once; the feed brings the same record.
      if (!c.account.records.get('chat', cleaned.record.id))
        c.account.records.put('chat', cleaned.record.id, cleaned.record);
      changed([cleaned.record.id]);
      return summaryOf(cleaned.record, () => false);
    },

    history,

    async send(input) {
      const { chatId, text, replyToSeq, documentIds } = parse('chats.send', input);
      const c = ctx();
      const r = record(c, chatId);
      if (text.trim().length === 0) throw new AppError('CHAT_MESSAGE_EMPTY', 'The message is empty.');
      if (r.state === 'left') throw new AppError('CHAT_NOT_MEMBER', 'You left this chat.');
      const pending: PendingMessage = {
        clientId: randomBytes(16).toString('base64url'),
        chatId,
        text,
        replyToSeq,
        documentIds,
        createdAt: deps.now().toISOString(),
        status: 'sending',
        error: null,
      };
      c.cache.transaction(() => {
        c.cache.addPending(c.userId, pending);
        c.cache.setDraft(c.userId, chatId, '');
      });
      changed([chatId]);
      kick();
      return pendingTimeline(pending, c, replied(c, chatId));
    },

    async retry({ chatId, key }) {
      const c = ctx();
      const p = pendingOrThrow(c, chatId, key);
      if (p.status === 'failed') {
        // Back to the end of the line, with the same client id: the server makes one message of it at most.
        c.cache.transaction(() => {
          c.cache.removePending(p.clientId);
          c.cache.addPending(c.userId, { ...p, status: 'sending', error: null });
        });
        changed([chatId]);
      }
      kick();
      return null;
    },

    async discard({ chatId, key }) {
      const c = ctx();
      const p = pendingOrThrow(c, chatId, key);
      if (inFlight === p.clientId)
        throw new AppError('VALIDATION_FAILED', 'The message is being sent right now.');
      c.cache.removePending(p.clientId);
      changed([chatId]);
      return { text: p.text };
    },

    async edit({ chatId, seq, text }) {
      const c = ctx();
      const { message } = await c.api.call('chatEdit', {
        params: { chatId, seq: String(seq) },
        body: { text },
      });
      return keptAnswer(c, chatId, message);
    },

    async remove({ chatId, seq }) {
      const c = ctx();
      const { message } = await c.api.call('chatDelete', { params: { chatId, seq: String(seq) } });
      return keptAnswer(c, chatId, message);
    },

    async report({ chatId, seq, reason }) {
      const c = ctx();
      await c.api.call('chatReport', { params: { chatId, seq: String(seq) }, body: { reason } });
      return null;
    },

    async markRead({ chatId, seq }) {
      const c = ctx();
      const r = record(c, chatId);
      const target = Math.min(seq, r.lastSeq);
      // Only forward: a pointer already there (or further) is not sent again.
      if (target <= readSeqOf(c, r)) return null;
      c.cache.transaction(() => {
        const held = c.cache.held(chatId);
        if (held) c.cache.putHeld({ ...held, localRead: Math.max(held.localRead, target) });
      });
      changed([chatId]);
      try {
        await c.api.call('chatRead', { params: { chatId }, body: { seq: target } });
      } catch (error) {
        // Kept on this device; told to the server when it can be reached.
        if (!isTransient(error)) throw error;
        scheduleRetry();
      }
      return null;
    },

    async ack({ chatId, seq }) {
      const c = ctx();
      await c.api.call('chatAck', { params: { chatId, seq: String(seq) } });
      c.cache.setAcked(chatId, seq);
      changed([chatId]);
      return null;
    },

    async acks({ chatId, seq }) {
      return ctx().api.call('chatAcks', { params: { chatId, seq: String(seq) } });
    },

    async members({ chatId }) {
      const c = ctx();
      const answer = await c.api.call('chatMembers', { params: { chatId } });
      c.cache.transaction(() => {
        const held = c.cache.held(chatId);
        if (held)
          c.cache.putHeld({
            ...held,
            members: answer.members.map((m) => ({ userId: m.userId, readSeq: m.readSeq })),
          });
      });
      return answer;
    },

    async mute({ chatId, muted }) {
      const c = ctx();
      const r = record(c, chatId);
      const answer = await c.api.call('chatMute', { params: { chatId }, body: { muted } });
      // Shown at once; the feed brings the same flag.
      c.account.records.put('chat', chatId, { ...r, muted: answer.muted });
      changed([chatId]);
      return null;
    },

    async search(input) {
      const { query, limit } = parse('chats.search', input);
      const c = ctx();
      const words = queryWords(query);
      const titles = new Map(records(c).map((r) => [r.id, r.title]));
      const hits = c.cache
        .search(words, limit)
        .filter((m) => titles.has(m.chatId))
        .map((m) => ({
          chatId: m.chatId,
          chatTitle: titles.get(m.chatId)!,
          seq: m.seq,
          senderName: m.senderName,
          snippet: snippetOf(m.text, words),
          createdAt: m.createdAt,
        }));
      return { hits };
    },

    async getDraft({ chatId }) {
      const c = ctx();
      return { text: c.cache.draft(c.userId, chatId) };
    },

    async setDraft({ chatId, text }) {
      const c = ctx();
      c.cache.setDraft(c.userId, chatId, text);
      return null;
    },

    kick,

    onIncoming(listener) {
      incoming.add(listener);
      return () => incoming.delete(listener);
    },

    shown: () => shownChat,

    async idle() {
      while (pumping) await pumping;
    },

    close() {
      closed = true;
      for (const off of offs) off();
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
    },
  };
}
