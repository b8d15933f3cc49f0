import { useCallback, useEffect, useRef, useState } from 'react';
import type { HistoryOutput, TimelineMessage } from '../../../shared/chats/ipc.js';
import type { AppBridge } from '../backend/BridgeContext.js';

const PAGE = 50;
/** How far a refresh reads on after the newest message held before it stops (then: newer on scroll). */
const REFRESH_PAGES = 5;

export interface Timeline {
  rows: TimelineMessage[];
  hasOlder: boolean;
  hasNewer: boolean;
  /** The first message the person had not read when the chat opened (the «Новые» line). */
  firstUnreadSeq: number | null;
  otherMembers: number;
  offline: boolean;
  /** Where the screen opens: a message to show (unread or a search hit), or the end. */
  opening: { seq: number | null; token: number };
  loading: 'initial' | 'older' | 'newer' | null;
  error: unknown;
}

function order(a: TimelineMessage, b: TimelineMessage): number {
  if (a.seq !== null && b.seq !== null) return a.seq - b.seq;
  if (a.seq !== null) return -1;
  if (b.seq !== null) return 1;
  return a.createdAt.localeCompare(b.createdAt);
}

/**
 * Merges pages into one ordered timeline: one row per key, and one per seq (a message of
 * the caller's that got its number replaces the row it was on its way in).
 */
export function mergeRows(held: TimelineMessage[], incoming: TimelineMessage[]): TimelineMessage[] {
  const byKey = new Map<string, TimelineMessage>();
  for (const m of held) byKey.set(m.key, m);
  const seqs = new Map<number, string>();
  for (const m of held) if (m.seq !== null) seqs.set(m.seq, m.key);
  for (const m of incoming) {
    if (m.seq !== null) {
      const other = seqs.get(m.seq);
      if (other !== undefined && other !== m.key) byKey.delete(other);
      seqs.set(m.seq, m.key);
    }
    byKey.set(m.key, m);
  }
  return [...byKey.values()].sort(order);
}

function maxSeq(rows: TimelineMessage[]): number | null {
  for (let i = rows.length - 1; i >= 0; i--) {
    const s = rows[i]!.seq;
    if (s !== null) return s;
  }
  return null;
}

function minSeq(rows: TimelineMessage[]): number | null {
  for (const m of rows) if (m.seq !== null) return m.seq;
  return null;
}

const EMPTY: Timeline = {
  rows: [],
  hasOlder: false,
  hasNewer: false,
  firstUnreadSeq: null,
  otherMembers: 0,
  offline: false,
  opening: { seq: null, token: 0 },
  loading: 'initial',
  error: null,
};

/**
 * One chat's history as the screen holds it: opened at the first unread message (or at a
 * search hit), older and newer pages on demand, and re-read on `chats.changed` over the
 * range held (new messages, edits, deletions, read counts, the outbox's progress).
 */
export function useTimeline(bridge: AppBridge, chatId: string, atSeq: number | null) {
  const [state, setState] = useState<Timeline>(EMPTY);
  const ref = useRef(state);
  ref.current = state;
  const busy = useRef(false);
  const generation = useRef(0);

  const apply = useCallback((gen: number, patch: (s: Timeline) => Timeline) => {
    if (gen !== generation.current) return;
    setState((s) => {
      const next = patch(s);
      ref.current = next;
      return next;
    });
  }, []);

  const meta = (out: HistoryOutput) => ({ otherMembers: out.otherMembers, offline: out.offline });

  // Open: at the first unread message, or around the message a search found.
  useEffect(() => {
    const gen = ++generation.current;
    setState(EMPTY);
    ref.current = EMPTY;
    busy.current = true;
    const open = async () => {
      if (atSeq !== null) {
        const before = await bridge.chatsHistory({
          chatId,
          anchor: { at: 'before', seq: atSeq + 1 },
          limit: PAGE / 2,
        });
        const after = await bridge.chatsHistory({
          chatId,
          anchor: { at: 'after', seq: atSeq },
          limit: PAGE / 2,
        });
        apply(gen, (s) => ({
          ...s,
          ...meta(after),
          rows: mergeRows(before.messages, after.messages),
          hasOlder: before.hasOlder,
          hasNewer: after.hasNewer,
          firstUnreadSeq: after.firstUnreadSeq,
          opening: { seq: atSeq, token: s.opening.token + 1 },
          loading: null,
        }));
        return;
      }
      const out = await bridge.chatsHistory({ chatId, anchor: { at: 'unread' }, limit: PAGE });
      apply(gen, (s) => ({
        ...s,
        ...meta(out),
        rows: mergeRows([], out.messages),
        hasOlder: out.hasOlder,
        hasNewer: out.hasNewer,
        firstUnreadSeq: out.firstUnreadSeq,
        opening: { seq: out.firstUnreadSeq, token: s.opening.token + 1 },
        loading: null,
      }));
    };
    open()
      .catch((error: unknown) => apply(gen, (s) => ({ ...s, loading: null, error })))
      .finally(() => {
        if (gen === generation.current) busy.current = false;
      });
  }, [bridge, chatId, atSeq, apply]);

  /** The page before the oldest message held, or after the newest. */
  const loadPage = useCallback(
    (direction: 'older' | 'newer') => {
      const s = ref.current;
      const older = direction === 'older';
      const edge = older ? minSeq(s.rows) : maxSeq(s.rows);
      if (busy.current || !(older ? s.hasOlder : s.hasNewer) || edge === null) return;
      const gen = generation.current;
      busy.current = true;
      setState((x) => ({ ...x, loading: direction }));
      bridge
        .chatsHistory({ chatId, anchor: { at: older ? 'before' : 'after', seq: edge }, limit: PAGE })
        .then((out) =>
          apply(gen, (x) => ({
            ...x,
            ...meta(out),
            rows: mergeRows(x.rows, out.messages),
            ...(older ? { hasOlder: out.hasOlder } : { hasNewer: out.hasNewer }),
            loading: null,
          })),
        )
        .catch((error: unknown) => apply(gen, (x) => ({ ...x, loading: null, error })))
        .finally(() => {
          if (gen === generation.current) busy.current = false;
        });
    },
    [bridge, chatId, apply],
  );
  const loadOlder = useCallback(() => loadPage('older'), [loadPage]);
  const loadNewer = useCallback(() => loadPage('newer'), [loadPage]);

  /** Re-reads the range held (and what came after it, when the newest is held). */
  const refreshing = useRef<Promise<void> | null>(null);
  const again = useRef(false);
  const refresh = useCallback((): Promise<void> => {
    if (refreshing.current) {
      again.current = true;
      return refreshing.current;
    }
    const run = async () => {
      const gen = generation.current;
      const s = ref.current;
      const first = minSeq(s.rows);
      const last = maxSeq(s.rows);
      if (first === null || last === null) {
        const out = await bridge.chatsHistory({ chatId, anchor: { at: 'latest' }, limit: PAGE });
        apply(gen, (x) => ({
          ...x,
          ...meta(out),
          rows: mergeRows([], out.messages),
          hasOlder: out.hasOlder,
          hasNewer: out.hasNewer,
        }));
        return;
      }
      const live = !s.hasNewer;
      const got: TimelineMessage[] = [];
      let after = first - 1;
      let hasNewer = true;
      let out: HistoryOutput | null = null;
      for (let page = 0; ; page++) {
        out = await bridge.chatsHistory({ chatId, anchor: { at: 'after', seq: after }, limit: 100 });
        got.push(...out.messages.filter((m) => m.seq !== null));
        hasNewer = out.hasNewer;
        const top = maxSeq(out.messages);
        if (!out.hasNewer || top === null) {
          got.push(...out.messages.filter((m) => m.seq === null));
          break;
        }
        after = top;
        if (!live && top >= last) break;
        if (live && top >= last && page >= REFRESH_PAGES) break;
      }
      const fetched = out;
      apply(gen, (x) => {
        // Rows of the range held are replaced by what the backend says now; a message on
        // its way stays until the backend shows it under its key (sent, or still going).
        const kept = x.rows.filter((m) => m.seq !== null && m.seq < first);
        const pendingKept = x.rows.filter((m) => m.seq === null);
        return {
          ...x,
          ...(fetched ? meta(fetched) : {}),
          rows: mergeRows([...kept, ...pendingKept], got),
          hasNewer: live ? hasNewer : x.hasNewer,
        };
      });
    };
    const p = run()
      .catch(() => undefined)
      .finally(() => {
        refreshing.current = null;
        if (again.current) {
          again.current = false;
          void refresh();
        }
      });
    refreshing.current = p;
    return p;
  }, [bridge, chatId, apply]);

  useEffect(() => {
    if (typeof bridge.on !== 'function') return;
    return bridge.on('chats.changed', ({ chatIds }) => {
      if (chatIds.length === 0 || chatIds.includes(chatId)) void refresh();
    });
  }, [bridge, chatId, refresh]);

  /** A message just handed to the backend shows at once («Отправляется»), or as it is now. */
  const put = useCallback((message: TimelineMessage) => {
    setState((x) => {
      const next = { ...x, rows: mergeRows(x.rows, [message]) };
      ref.current = next;
      return next;
    });
  }, []);

  const remove = useCallback((key: string) => {
    setState((x) => {
      const next = { ...x, rows: x.rows.filter((m) => m.key !== key) };
      ref.current = next;
      return next;
    });
  }, []);

  /** Back to the newest messages (the composer sent one while an older page was shown). */
  const toLatest = useCallback(async () => {
    const gen = ++generation.current;
    const out = await bridge.chatsHistory({ chatId, anchor: { at: 'latest' }, limit: PAGE });
    apply(gen, (s) => ({
      ...s,
      ...meta(out),
      rows: mergeRows([], out.messages),
      hasOlder: out.hasOlder,
      hasNewer: out.hasNewer,
      opening: { seq: null, token: s.opening.token + 1 },
    }));
  }, [bridge, chatId, apply]);

  return { state, loadOlder, loadNewer, refresh, put, remove, toLatest };
}
