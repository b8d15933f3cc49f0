import type { CacheMigration } from './types.js';

/**
 * The first cache schema. Records are stored generically (entity, id, JSON) so a new
 * entity kind from the server needs no client migration; the outbox keeps each queued
 * mutation with the snapshot of the record it changed, so a rejection can be undone.
 */
export const m0001Initial: CacheMigration = {
  version: 1,
  name: '0001-initial',
  up(db) {
    db.exec(`
      CREATE TABLE records (
        entity TEXT NOT NULL,
        id TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (entity, id)
      ) WITHOUT ROWID;

      CREATE TABLE sync_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        mutation_id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        before TEXT,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      );
      -- Pushes and the pending count read one user's rows in order.
      CREATE INDEX outbox_user_seq ON outbox (user_id, seq);
    `);
  },
};
