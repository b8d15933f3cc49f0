import type { Db } from '../db.js';
import type { ForeignWrites } from '../types.js';
import type { Sync } from './sync.js';

export class SqliteForeignWrites implements Sync<ForeignWrites> {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      head: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'changes'"),
      since: db.prepare(
        'SELECT user_id AS userId, max(seq) AS seq FROM changes WHERE seq > ? GROUP BY user_id',
      ),
    };
  }

  head(): number {
    return (this.stmts.head.get() as { seq: number } | undefined)?.seq ?? 0;
  }

  ownersAfter(afterSeq: number): { userId: string; seq: number }[] {
    return this.stmts.since.all(afterSeq) as { userId: string; seq: number }[];
  }
}
