import type { Migration } from '../migrate.js';

/** Support requests sent from «Помощь», listed and closed by the school's admin tool. */
export const m0006Support: Migration = {
  version: 6,
  name: '0006-support',
  up(db) {
    db.exec(`
      CREATE TABLE support_tickets (
        number INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id),
        text TEXT NOT NULL,
        diagnostics TEXT,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        created_at TEXT NOT NULL,
        closed_at TEXT
      );
      CREATE INDEX support_tickets_open ON support_tickets (status, number);
    `);
  },
};
