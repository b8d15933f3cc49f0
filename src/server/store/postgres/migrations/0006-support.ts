import type { PgMigration } from '../migrate.js';

/** Support requests sent from «Помощь» (store/migrations/0006-support.ts). */
export const m0006Support: PgMigration = {
  version: 6,
  name: '0006-support',
  async up(client) {
    await client.query(`
      CREATE TABLE support_tickets (
        number bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        user_id text NOT NULL REFERENCES users(id),
        text text NOT NULL,
        diagnostics json,
        status text NOT NULL CHECK (status IN ('open', 'closed')),
        created_at text NOT NULL,
        closed_at text
      );
      CREATE INDEX support_tickets_open ON support_tickets (status, number);
    `);
  },
};
