import type { CacheMigration } from './types.js';

/**
 * Renames of this device that the server refused because another device renamed the
 * item first (RENAME_CONFLICT). The rejected mutation is rolled back like any other, and
 * the name the person typed is kept here, so the documents screen can show it next to
 * the name that won until the person applies theirs or keeps the other. One row per item:
 * a later refused rename of the same item replaces the earlier one.
 */
export const m0004RenameConflicts: CacheMigration = {
  version: 4,
  name: '0004-rename-conflicts',
  up(db) {
    db.exec(`
      CREATE TABLE rename_conflicts (
        item_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('folder', 'document')),
        -- the name this device asked for
        mine TEXT NOT NULL,
        -- the name this device showed when the person renamed it
        seen TEXT,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
