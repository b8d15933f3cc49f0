import type { SupportDiagnostics } from '../../../shared/support/index.js';
import type { NewTicketRow, SupportStore, TicketRow } from '../types.js';
import type { Runner } from './conn.js';

export class PgSupportStore implements SupportStore {
  constructor(private readonly db: Runner) {}

  async insert(row: NewTicketRow): Promise<number> {
    const rows = await this.db.rows<{ number: number }>(
      `INSERT INTO support_tickets (id, user_id, text, diagnostics, status, created_at)
        VALUES ($1, $2, $3, $4, 'open', $5) RETURNING number`,
      [row.id, row.userId, row.text, row.diagnostics ? JSON.stringify(row.diagnostics) : null, row.createdAt],
    );
    return rows[0]!.number;
  }

  async list(which: 'open' | 'all'): Promise<TicketRow[]> {
    const rows = await this.db.rows<Omit<TicketRow, 'diagnostics'> & { diagnostics: string | null }>(
      `SELECT t.number, t.id, t.user_id AS "userId",
          trim(u.surname || ' ' || u.name || ' ' || u.patronymic) AS "userName",
          coalesce(u.phone, u.email) AS contact, t.text, t.diagnostics, t.status,
          t.created_at AS "createdAt", t.closed_at AS "closedAt"
        FROM support_tickets t JOIN users u ON u.id = t.user_id
        WHERE ($1 = 'all' OR t.status = $1) ORDER BY t.number`,
      [which],
    );
    return rows.map((row) => ({
      ...row,
      diagnostics: row.diagnostics ? (JSON.parse(row.diagnostics) as SupportDiagnostics) : null,
    }));
  }

  async close(number: number, at: string): Promise<boolean> {
    return (
      (await this.db.count(
        `UPDATE support_tickets SET status = 'closed', closed_at = $1 WHERE number = $2 AND status = 'open'`,
        [at, number],
      )) === 1
    );
  }
}
