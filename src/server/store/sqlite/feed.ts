import type { Db } from '../db.js';
import type { ChangeRow, FeedStore } from '../types.js';
import type { Sync } from './sync.js';

interface RawChange extends Omit<ChangeRow, 'data'> {
  data: string | null;
}

export class SqliteFeedStore implements Sync<FeedStore> {
  private readonly stmts;
  private readonly epochValue: string;

  constructor(db: Db) {
    this.stmts = {
      append: db.prepare(`INSERT INTO changes (user_id, entity, entity_id, op, data, created_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      after:
        db.prepare(`SELECT seq, user_id AS userId, entity, entity_id AS entityId, op, data, created_at AS createdAt
        FROM changes WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
      any: db.prepare('SELECT 1 FROM changes WHERE user_id = ? AND seq > ? LIMIT 1').pluck(),
      // AUTOINCREMENT keeps the highest issued seq in sqlite_sequence even if rows are pruned.
      head: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'changes'"),
      getMutation: db.prepare('SELECT result FROM applied_mutations WHERE user_id = ? AND mutation_id = ?'),
      recordMutation: db.prepare(
        'INSERT INTO applied_mutations (user_id, mutation_id, result, created_at) VALUES (?, ?, ?, ?)',
      ),
    };
    const row = db.prepare("SELECT value FROM meta WHERE key = 'epoch'").get() as
      { value: string } | undefined;
    if (!row) throw new Error('The database has no epoch: migration 0003 did not run');
    this.epochValue = row.value;
  }

  epoch(): string {
    return this.epochValue;
  }
  appendChange(change: Omit<ChangeRow, 'seq'>): number {
    const data = change.data === null ? null : JSON.stringify(change.data);
    const info = this.stmts.append.run(
      change.userId,
      change.entity,
      change.entityId,
      change.op,
      data,
      change.createdAt,
    );
    return Number(info.lastInsertRowid);
  }
  changesAfter(userId: string, afterSeq: number, limit: number): ChangeRow[] {
    const rows = this.stmts.after.all(userId, afterSeq, limit) as RawChange[];
    return rows.map((r) => ({
      ...r,
      data: r.data === null ? null : (JSON.parse(r.data) as ChangeRow['data']),
    }));
  }
  hasChangesAfter(userId: string, afterSeq: number): boolean {
    return this.stmts.any.get(userId, afterSeq) !== undefined;
  }
  headSeq(): number {
    const row = this.stmts.head.get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }
  getMutationResult(userId: string, mutationId: string): string | null {
    const row = this.stmts.getMutation.get(userId, mutationId) as { result: string } | undefined;
    return row?.result ?? null;
  }
  recordMutationResult(userId: string, mutationId: string, result: string, at: string): void {
    this.stmts.recordMutation.run(userId, mutationId, result, at);
  }
}
