import type { ChangeRow, FeedStore, ForeignWrites } from '../types.js';
import type { Runner } from './conn.js';

interface RawChange extends Omit<ChangeRow, 'data'> {
  data: string | null;
}

/**
 * The change feed. A change's number is `feed_head.seq + 1`, taken by updating the one
 * head row in the statement that inserts the change: the row stays locked until the
 * transaction ends, so feed writers commit one after the other in the order of their
 * numbers. A reader that has seen a number has therefore seen every lower one, whichever
 * instance wrote it (a sequence would let a later commit land below a reader's cursor).
 * Writers wait for each other only from their first change to their commit.
 */
export class PgFeedStore implements FeedStore {
  constructor(
    private readonly db: Runner,
    private readonly epochValue: () => Promise<string>,
  ) {}

  epoch(): Promise<string> {
    return this.epochValue();
  }
  async appendChange(change: Omit<ChangeRow, 'seq'>): Promise<number> {
    const rows = await this.db.rows<{ seq: number }>(
      `WITH head AS (UPDATE feed_head SET seq = seq + 1 WHERE id = 1 RETURNING seq)
       INSERT INTO changes (seq, user_id, entity, entity_id, op, data, created_at)
         SELECT head.seq, $1, $2, $3, $4, $5, $6 FROM head RETURNING seq`,
      [
        change.userId,
        change.entity,
        change.entityId,
        change.op,
        change.data === null ? null : JSON.stringify(change.data),
        change.createdAt,
      ],
    );
    return rows[0]!.seq;
  }
  async changesAfter(userId: string, afterSeq: number, limit: number): Promise<ChangeRow[]> {
    const rows = await this.db.rows<RawChange>(
      `SELECT seq, user_id AS "userId", entity, entity_id AS "entityId", op, data, created_at AS "createdAt"
         FROM changes WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [userId, afterSeq, limit],
    );
    return rows.map((r) => ({
      ...r,
      data: r.data === null ? null : (JSON.parse(r.data) as ChangeRow['data']),
    }));
  }
  async hasChangesAfter(userId: string, afterSeq: number): Promise<boolean> {
    return (
      (
        await this.db.rows('SELECT 1 FROM changes WHERE user_id = $1 AND seq > $2 LIMIT 1', [
          userId,
          afterSeq,
        ])
      ).length > 0
    );
  }
  async headSeq(): Promise<number> {
    return (await this.db.rows<{ seq: number }>('SELECT seq FROM feed_head WHERE id = 1'))[0]?.seq ?? 0;
  }
  /** In a write transaction the mutation id stays locked: the same id in flight twice applies once. */
  async getMutationResult(userId: string, mutationId: string): Promise<string | null> {
    await this.db.lock(`mutation:${userId}:${mutationId}`);
    const rows = await this.db.rows<{ result: string }>(
      'SELECT result FROM applied_mutations WHERE user_id = $1 AND mutation_id = $2',
      [userId, mutationId],
    );
    return rows[0]?.result ?? null;
  }
  async recordMutationResult(userId: string, mutationId: string, result: string, at: string): Promise<void> {
    // The first result recorded stays: a rejection recorded twice at once answers the same.
    await this.db.count(
      `INSERT INTO applied_mutations (user_id, mutation_id, result, created_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (user_id, mutation_id) DO NOTHING`,
      [userId, mutationId, result, at],
    );
  }
}

/** Feed rows other processes wrote (the admin tool, other server instances). */
export class PgForeignWrites implements ForeignWrites {
  constructor(private readonly db: Runner) {}

  async head(): Promise<number> {
    return (await this.db.rows<{ seq: number }>('SELECT seq FROM feed_head WHERE id = 1'))[0]?.seq ?? 0;
  }
  ownersAfter(afterSeq: number): Promise<{ userId: string; seq: number }[]> {
    return this.db.rows(
      'SELECT user_id AS "userId", max(seq) AS seq FROM changes WHERE seq > $1 GROUP BY user_id',
      [afterSeq],
    );
  }
}
