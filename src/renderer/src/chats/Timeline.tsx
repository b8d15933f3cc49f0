import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef } from 'react';
import type { TimelineMessage } from '../../../shared/chats/ipc.js';
import { sameDay } from './format.js';
import { MessageRow, type RowContext } from './MessageRow.js';
import type { Timeline as TimelineState } from './useTimeline.js';

/** Rows mounted beyond each edge of what is on screen. */
const OVERSCAN = 4;
/** How close to an end (in rows) the next page is asked for. */
const EDGE = 3;

/**
 * The chat's timeline: only the rows on screen (and a few around them) are in the DOM,
 * whatever the chat's length. Rows have the height their text takes, measured as they
 * mount. It opens at the first unread message (or a search hit), asks for older pages
 * near the top and newer near the bottom, keeps what is on screen in place when older
 * messages arrive above it, follows new messages while the end is shown, and reports the
 * newest message on screen (what was read).
 */
export function Timeline({
  state,
  ctx,
  label,
  emptyText,
  confirmingDelete,
  highlight,
  loadOlder,
  loadNewer,
  onSeen,
  scrollTo,
}: {
  state: TimelineState;
  ctx: RowContext;
  label: string;
  emptyText: string;
  confirmingDelete: string | null;
  highlight: number | null;
  loadOlder: () => void;
  loadNewer: () => void;
  /** The newest numbered message on screen. */
  onSeen: (seq: number) => void;
  /** Set to a seq (with a new token) to bring that message into view. */
  scrollTo: { seq: number; token: number } | null;
}) {
  const { rows } = state;
  const scroller = useRef<HTMLDivElement>(null);
  const opened = useRef(-1);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 88,
    getItemKey: (index) => rows[index]!.key,
    overscan: OVERSCAN,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: 48,
  });

  // Open where the backend says: the first unread message at the top, else the end.
  useLayoutEffect(() => {
    if (state.loading === 'initial' || opened.current === state.opening.token || rows.length === 0) return;
    opened.current = state.opening.token;
    const at = state.opening.seq;
    const index = at === null ? -1 : rows.findIndex((m) => m.seq !== null && m.seq >= at);
    if (index < 0) virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
    else virtualizer.scrollToIndex(index, { align: highlight !== null ? 'center' : 'start' });
  }, [state.loading, state.opening, rows, virtualizer, highlight]);

  const lastScroll = useRef<number | null>(null);
  useEffect(() => {
    if (!scrollTo || lastScroll.current === scrollTo.token) return;
    const index = rows.findIndex((m) => m.seq === scrollTo.seq);
    if (index < 0) return;
    lastScroll.current = scrollTo.token;
    virtualizer.scrollToIndex(index, { align: 'center' });
  }, [scrollTo, rows, virtualizer]);

  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  const ready = opened.current === state.opening.token && state.loading === null;

  useEffect(() => {
    if (!ready || rows.length === 0) return;
    if (first <= EDGE && state.hasOlder) loadOlder();
    else if (last >= rows.length - 1 - EDGE && state.hasNewer) loadNewer();
  }, [ready, first, last, rows.length, state.hasOlder, state.hasNewer, loadOlder, loadNewer]);

  // What is actually on screen: the rows between the scroller's top and bottom edges.
  const seen = useCallback(() => {
    const el = scroller.current;
    if (!el || document.visibilityState !== 'visible') return;
    const top = el.scrollTop;
    const bottom = top + el.clientHeight;
    let newest: number | null = null;
    for (const item of virtualizer.getVirtualItems()) {
      if (item.end <= top + 4 || item.start >= bottom - 4) continue;
      const seq = rows[item.index]?.seq ?? null;
      if (seq !== null && (newest === null || seq > newest)) newest = seq;
    }
    if (newest !== null) onSeen(newest);
  }, [rows, virtualizer, onSeen]);
  useEffect(() => {
    if (!ready) return;
    const timer = setTimeout(seen, 250);
    return () => clearTimeout(timer);
  }, [ready, seen, first, last, virtualizer.scrollOffset]);
  useEffect(() => {
    document.addEventListener('visibilitychange', seen);
    return () => document.removeEventListener('visibilitychange', seen);
  }, [seen]);

  return (
    <div
      ref={scroller}
      className="chat-timeline"
      role="region"
      aria-label={label}
      aria-busy={state.loading !== null}
      tabIndex={0}
      data-testid="timeline"
    >
      {rows.length === 0 && state.loading === null ? (
        <p className="chat-timeline-empty">{emptyText}</p>
      ) : null}
      <div className="chat-timeline-rows" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const m = rows[item.index] as TimelineMessage;
          const prev = rows[item.index - 1];
          const unreadLine =
            state.firstUnreadSeq !== null &&
            m.seq === state.firstUnreadSeq &&
            !m.mine &&
            (prev === undefined || prev.seq !== null);
          return (
            <div
              key={item.key}
              data-index={item.index}
              ref={virtualizer.measureElement}
              className="chat-timeline-item"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <MessageRow
                message={m}
                dayLine={!prev || !sameDay(prev.createdAt, m.createdAt)}
                unreadLine={unreadLine}
                confirmingDelete={confirmingDelete === m.key}
                highlighted={highlight !== null && m.seq === highlight}
                ctx={ctx}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}
