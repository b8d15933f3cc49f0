import type { CacheDatabase } from '../cache/db.js';
import type { RecordData } from '../cache/records.js';

/** A queued local change, waiting to be pushed. */
export interface OutboxEntry {
  seq: number;
  mutationId: string;
  userId: string;
  type: string;
  payload: unknown;
  /** The target record as it was before this change (null: it did not exist), for rollback. */
  before: RecordData | null;
  createdAt: string;
  attempts: number;
  lastError: string | null;
  /** Applied by the server; kept over older pages until the pull reaches the end of the feed. */
  acked: boolean;
}

interface OutboxRow {
  seq: number;
  mutation_id: string;
  user_id: string;
  type: string;
  payload: string;
  before: string | null;
  created_at: string;
  attempts: number;
  last_error: string | null;
  acked: number;
}

/**
 * The persisted queue of local mutations. Mutation ids are chosen and stored before
 * the first push, so a push retried after a lost answer carries the same ids and the
 * server applies each at most once. Every read is scoped to one user: rows queued by
 * someone who signed out are kept, but never pushed with another person's session.
 */
export interface Outbox {
  add(entry: Omit<OutboxEntry, 'seq' | 'attempts' | 'lastError' | 'acked'>): number;
  /** The user's rows still to push, in queue order. */
  pending(userId: string, limit?: number): OutboxEntry[];
  /** The optimistic layer: rows still to push and rows applied but not yet pulled, in queue order. */
  layer(userId: string): OutboxEntry[];
  /** Rows still to push. */
  count(userId: string): number;
  remove(mutationId: string): void;
  /** The server applied it: it stops being pushed, and stays in the layer until dropAcked. */
  markAcked(mutationId: string): void;
  /** The pull reached the end of the feed: the records now show what the acked rows did. */
  dropAcked(userId: string): void;
  updateBefore(mutationId: string, before: RecordData | null): void;
  markAttempt(mutationIds: readonly string[], error: string | null): void;
}

export function createOutbox(db: CacheDatabase): Outbox {
  const stmts = {
    add: db.prepare(
      `INSERT INTO outbox (mutation_id, user_id, type, payload, before, created_at)
       VALUES (@mutationId, @userId, @type, @payload, @before, @createdAt)`,
    ),
    pending: db.prepare<[string, number], OutboxRow>(
      'SELECT * FROM outbox WHERE user_id = ? AND acked = 0 ORDER BY seq LIMIT ?',
    ),
    layer: db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE user_id = ? ORDER BY seq'),
    count: db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM outbox WHERE user_id = ? AND acked = 0',
    ),
    remove: db.prepare<[string]>('DELETE FROM outbox WHERE mutation_id = ?'),
    markAcked: db.prepare<[string]>('UPDATE outbox SET acked = 1 WHERE mutation_id = ?'),
    dropAcked: db.prepare<[string]>('DELETE FROM outbox WHERE user_id = ? AND acked = 1'),
    updateBefore: db.prepare<[string | null, string]>('UPDATE outbox SET before = ? WHERE mutation_id = ?'),
    markAttempt: db.prepare<[string | null, string]>(
      'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE mutation_id = ?',
    ),
  };
  const markAttemptTx = db.transaction((ids: readonly string[], error: string | null) => {
    for (const id of ids) stmts.markAttempt.run(error, id);
  });

  const toEntry = (row: OutboxRow): OutboxEntry => ({
    seq: row.seq,
    mutationId: row.mutation_id,
    userId: row.user_id,
    type: row.type,
    payload: JSON.parse(row.payload) as unknown,
    before: row.before === null ? null : (JSON.parse(row.before) as RecordData),
    createdAt: row.created_at,
    attempts: row.attempts,
    lastError: row.last_error,
    acked: row.acked === 1,
  });

  return {
    add(entry) {
      const info = stmts.add.run({
        mutationId: entry.mutationId,
        userId: entry.userId,
        type: entry.type,
        payload: JSON.stringify(entry.payload),
        before: entry.before === null ? null : JSON.stringify(entry.before),
        createdAt: entry.createdAt,
      });
      return Number(info.lastInsertRowid);
    },
    pending: (userId, limit = 1_000_000) => stmts.pending.all(userId, limit).map(toEntry),
    layer: (userId) => stmts.layer.all(userId).map(toEntry),
    count: (userId) => stmts.count.get(userId)?.n ?? 0,
    remove: (mutationId) => void stmts.remove.run(mutationId),
    markAcked: (mutationId) => void stmts.markAcked.run(mutationId),
    dropAcked: (userId) => void stmts.dropAcked.run(userId),
    updateBefore: (mutationId, before) =>
      void stmts.updateBefore.run(before === null ? null : JSON.stringify(before), mutationId),
    markAttempt: (ids, error) => markAttemptTx(ids, error),
  };
}
