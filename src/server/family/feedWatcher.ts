import { encodeCursor } from '../feed.js';
import type { LiveHub } from '../live.js';
import type { Db } from '../store/db.js';

/**
 * Changes written by another process on the same database (the school's admin tool
 * removing a link, creating a student) reach the people online: every few seconds the
 * server looks for feed rows it has not announced and tells their owners to pull. Its
 * own writes are announced at commit already; announcing them again only makes a client
 * pull an empty page.
 */
export function watchForeignWrites(options: {
  db: Db;
  hub: LiveHub;
  epoch: string;
  intervalMs: number;
  onError: (error: unknown) => void;
}): () => void {
  const head = options.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'changes'");
  const since = options.db.prepare(
    'SELECT user_id AS userId, max(seq) AS seq FROM changes WHERE seq > ? GROUP BY user_id',
  );
  let seen = (head.get() as { seq: number } | undefined)?.seq ?? 0;
  const timer = setInterval(() => {
    try {
      const top = (head.get() as { seq: number } | undefined)?.seq ?? 0;
      if (top <= seen) return;
      for (const row of since.all(seen) as { userId: string; seq: number }[]) {
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
