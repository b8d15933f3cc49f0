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
  epoch: string;
  intervalMs: number;
  onError: (error: unknown) => void;
}): () => void {
  const { writes } = options;
  let seen = writes.head();
  const timer = setInterval(() => {
    try {
      const top = writes.head();
      if (top <= seen) return;
      for (const row of writes.ownersAfter(seen)) {
        options.hub.changed(row.userId, encodeCursor(options.epoch, row.seq));
      }
      seen = top;
    } catch (error) {
      options.onError(error);
    }
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
