import { encodeCursor } from './feed.js';
import type { LiveHub } from './live.js';
import type { ForeignWrites } from '../store/types.js';

/**
 * Changes written by another process on the same database (the school's admin tool
 * removing a link, creating a student) reach the people online: every few seconds the
 * server looks for feed rows it has not announced and tells their owners to pull. Its
 * own writes are announced at commit already; announcing them again only makes a client
 * pull an empty page.
 */
export function watchForeignWrites(options: {
  writes: ForeignWrites;
  hub: LiveHub;
  /** The database's epoch, for the cursors announced. */
  epoch: () => Promise<string>;
  intervalMs: number;
  onError: (error: unknown) => void;
}): () => void {
  const { writes } = options;
  // The head when watching starts: what was written before is nobody's news.
  let seen: number | null = null;
  let busy = false;
  const start = writes.head().then(
    (head) => (seen = head),
    (error: unknown) => options.onError(error),
  );
  const look = async (): Promise<void> => {
    await start;
    if (seen === null) seen = await writes.head();
    const top = await writes.head();
    if (top <= seen) return;
    const epoch = await options.epoch();
    for (const row of await writes.ownersAfter(seen)) {
      options.hub.changed(row.userId, encodeCursor(epoch, row.seq));
    }
    seen = top;
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    look()
      .catch((error: unknown) => options.onError(error))
      .finally(() => (busy = false));
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
