import { randomUUID } from 'node:crypto';
import {
  type SupportDiagnostics,
  type SupportRequestBody,
  type SupportTicket,
} from '../../shared/support.js';
import type { Now } from '../clock.js';
import type { RateLimiter } from '../rateLimit.js';
import type { Db } from '../store/db.js';

export interface TicketRow {
  number: number;
  id: string;
  userId: string;
  userName: string;
  contact: string | null;
  text: string;
  diagnostics: SupportDiagnostics | null;
  status: 'open' | 'closed';
  createdAt: string;
  closedAt: string | null;
}

/** Support tickets: written by a signed-in person, read and closed by the admin tool. */
export class SupportTickets {
  private readonly stmts;

  constructor(
    db: Db,
    private readonly now: Now,
    private readonly limiter?: RateLimiter,
  ) {
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

  /** At most 5 requests per person per 10 minutes: a stuck key or a script must not flood support. */
  create(userId: string, request: SupportRequestBody): SupportTicket {
    this.limiter?.hit(`support:${userId}`, 5, 600);
    const id = randomUUID();
    const createdAt = new Date(this.now()).toISOString();
    const diagnostics = request.diagnostics ? JSON.stringify(request.diagnostics) : null;
    const info = this.stmts.insert.run(id, userId, request.text, diagnostics, createdAt);
    return { ticketId: id, number: Number(info.lastInsertRowid), createdAt };
  }

  list(which: 'open' | 'all' = 'open'): TicketRow[] {
    const rows = this.stmts.list.all(which, which) as (Omit<TicketRow, 'diagnostics'> & {
      diagnostics: string | null;
    })[];
    return rows.map((row) => ({
      ...row,
      diagnostics: row.diagnostics ? (JSON.parse(row.diagnostics) as SupportDiagnostics) : null,
    }));
  }

  /** False when there is no open ticket with that number. */
  close(number: number): boolean {
    return this.stmts.close.run(new Date(this.now()).toISOString(), number).changes === 1;
  }
}
