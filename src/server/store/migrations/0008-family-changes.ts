import type { Migration } from '../migrate.js';

/**
 * The family history also records `changed`: a parent confirming a child whose details
 * another parent had already confirmed, with each changed detail (JSON `[{field, from,
 * to}]` in `changes`). SQLite cannot alter a CHECK, so the table is rebuilt with every
 * line it had.
 */
export const m0008FamilyChanges: Migration = {
  version: 8,
  name: '0008-family-changes',
  up(db) {
    db.exec(`
      CREATE TABLE family_history_new (
        id TEXT PRIMARY KEY,
        child_id TEXT NOT NULL REFERENCES users(id),
        action TEXT NOT NULL CHECK (action IN ('joined', 'left', 'removed', 'changed')),
        parent_id TEXT NOT NULL REFERENCES users(id),
        parent_name TEXT NOT NULL,
        actor_id TEXT REFERENCES users(id),
        actor_name TEXT,
        at TEXT NOT NULL,
        changes TEXT CHECK (changes IS NULL OR json_valid(changes))
      );
      INSERT INTO family_history_new (id, child_id, action, parent_id, parent_name, actor_id, actor_name, at)
        SELECT id, child_id, action, parent_id, parent_name, actor_id, actor_name, at FROM family_history;
      DROP TABLE family_history;
      ALTER TABLE family_history_new RENAME TO family_history;
      CREATE INDEX family_history_child ON family_history(child_id, at);
    `);
  },
};
