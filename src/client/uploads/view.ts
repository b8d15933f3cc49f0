import type { UploadItem, UploadQueueState } from '../../shared/documents/ipc.js';
import type { StoredUpload } from './ports.js';

/** Items a state event carries: enough for the panel, never the whole of a 10,000-file drop. */
export const SHOWN_ITEMS = 300;

/** How finished (done, cancelled) uploads are listed after the rest. */
export type FinishedOrder = 'newest-first' | 'added';

/** One upload as the view reads it: what the server confirmed, and what is on its way now. */
export interface ViewRow {
  record: StoredUpload;
  /** Bytes handed to the network so far while it is sending, else null. */
  inFlight: number | null;
  /** Bytes per second while it is sending, else 0. */
  speed: number;
}

/** Sending first, then failed, then waiting (queued, paused), then finished. */
function rank(state: StoredUpload['state']): 0 | 1 | 2 | 3 {
  switch (state) {
    case 'uploading':
    case 'hashing':
      return 0;
    case 'failed':
      return 1;
    case 'queued':
    case 'paused':
      return 2;
    default:
      return 3;
  }
}

export const EMPTY_STATE: UploadQueueState = {
  items: [],
  total: { files: 0, done: 0, failed: 0, bytes: 0, sent: 0, speed: 0, secondsLeft: null },
  offline: false,
};

/**
 * The queue as the panel shows it, from rows in the order they were added. Totals count
 * every row (a cancelled one adds nothing to the bytes); `sent` counts what the server
 * confirmed plus what is on its way; seconds left come from the summed speed. One pass,
 * no sort: the rows come in order and are dealt into the four groups.
 */
export function queueView(
  rows: Iterable<ViewRow>,
  offline: boolean,
  finished: FinishedOrder,
): UploadQueueState {
  const groups: UploadItem[][] = [[], [], [], []];
  let files = 0;
  let done = 0;
  let failed = 0;
  let bytes = 0;
  let sent = 0;
  let speed = 0;
  for (const { record, inFlight, speed: rowSpeed } of rows) {
    files += 1;
    if (record.state === 'done') done += 1;
    if (record.state === 'failed') failed += 1;
    const rowSent = record.state === 'done' ? record.size : Math.max(record.offset, inFlight ?? 0);
    if (record.state !== 'cancelled') {
      bytes += record.size;
      sent += rowSent;
    }
    speed += rowSpeed;
    const group = groups[rank(record.state)]!;
    // Finished rows listed newest first keep the last SHOWN_ITEMS seen; the others the first.
    const newestFirst = finished === 'newest-first' && rank(record.state) === 3;
    if (!newestFirst && group.length >= SHOWN_ITEMS) continue;
    group.push({
      id: record.id,
      name: record.name,
      size: record.size,
      sent: rowSent,
      state: record.state,
      error: record.error,
      speed: rowSpeed,
    });
    if (newestFirst && group.length > SHOWN_ITEMS * 2) group.splice(0, SHOWN_ITEMS);
  }
  if (finished === 'newest-first') groups[3]!.reverse();
  const items = groups.flat().slice(0, SHOWN_ITEMS);
  const left = bytes - sent;
  return {
    items,
    total: {
      files,
      done,
      failed,
      bytes,
      sent,
      speed,
      secondsLeft: speed > 0 && left > 0 ? Math.ceil(left / speed) : null,
    },
    offline,
  };
}
