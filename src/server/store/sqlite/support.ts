import type { SupportDiagnostics } from '../../../shared/support/index.js';
import type { Db } from '../db.js';
import type { NewTicketRow, SupportStore, TicketRow } from '../types.js';
import type { Sync } from './sync.js';

export class SqliteSupportStore implements Sync<SupportStore> {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(`INSERT INTO support_tickets (id, user_id, text, diagnostics, status, created_at)
        VALUES (?, ?, ?, ?, 'open', ?)`),
      list: db.prepare(`SELECT t.number, t.id, t.user_id AS userId,
          trim(u.surname || ' ' || u.name || ' ' || u.patronymic) AS userName,
          coalesce(u.phone, u.email) AS contact, t.text, t.diagnostics, t.status,
          t.created_at AS createdAt, t.closed_at AS closedAt
        FROM support_tickets t JOIN users u ON u.id = t.user_id
        WHERE (? = 'all' OR t.status = ?) ORDER BY t.number`),
      close: db.prepare(`UPDATE support_tickets SET status = 'closed', closed_at = ?
        WHERE number = ? AND status = 'open'`),
    };
  }

  insert(row: NewTicketRow): number {
    const diagnostics = row.diagnostics ? JSON.stringify(row.diagnostics) : null;
    const info = this.stmts.insert.run(row.id, row.userId, row.text, diagnostics, row.createdAt);
    return Number(info.lastInsertRowid);
  }

  list(which: 'open' | 'all'): TicketRow[] {
    const rows = this.stmts.list.all(which, which) as (Omit<TicketRow, 'diagnostics'> & {
      diagnostics: string | null;
    })[];
    return rows.map((row) => ({
      ...row,
      diagnostics: row.diagnostics ? (JSON.parse(row.diagnostics) as SupportDiagnostics) : null,
    }));
  }

  close(number: number, at: string): boolean {
    return this.stmts.close.run(at, number).changes === 1;
  }
}
