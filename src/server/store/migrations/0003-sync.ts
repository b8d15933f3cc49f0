import type { Migration } from '../migrate.js';

/**
 * The per-user change feed and the record of applied mutations. The epoch is a random
 * id of this database: cursors carry it, so a cursor from another server (or from a
 * database restored from scratch) is recognised and answered with "resync required".
 */
export const m0003Sync: Migration = {
  version: 3,
  name: '0003-sync',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      INSERT INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(8))));
      CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id TEXT NOT NULL REFERENCES users(id),
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
        data TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX changes_user_seq ON changes(user_id, seq);
      CREATE TABLE applied_mutations (
        user_id TEXT NOT NULL REFERENCES users(id),
        mutation_id TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, mutation_id)
      ) WITHOUT ROWID;
    `);
  },
};
