import type { CacheMigration } from './types.js';

/**
 * Counts the documents screen shows on its first page, kept as rows are applied rather
 * than counted on every open: `doc_folder_counts` holds the live (not trashed) items of
 * each folder ('' the top level), `doc_used_bytes` the total size of all documents (the
 * quota bar). Triggers on `doc_items` keep both in step in the same transaction as the
 * record that changed them, so the first page of a folder of a million items reads one
 * row instead of walking the folder, and a reader never sees a count without its rows.
 * The migration fills both from the items cached so far.
 */
export const m0007DocumentsCounts: CacheMigration = {
  version: 7,
  name: '0007-documents-counts',
  up(db) {
    db.exec(`
      CREATE TABLE doc_folder_counts (
        parent_key TEXT PRIMARY KEY,
        live INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE doc_used_bytes (
        only INTEGER PRIMARY KEY CHECK (only = 1),
        bytes REAL NOT NULL
      );

      INSERT INTO doc_folder_counts (parent_key, live)
        SELECT parent_key, count(*) FROM doc_items WHERE trashed_at IS NULL GROUP BY parent_key;
      INSERT INTO doc_used_bytes (only, bytes)
        SELECT 1, total(size) FROM doc_items WHERE kind = 'document';

      CREATE TRIGGER doc_counts_ai AFTER INSERT ON doc_items BEGIN
        INSERT INTO doc_folder_counts (parent_key, live) SELECT new.parent_key, 1 WHERE new.trashed_at IS NULL
          ON CONFLICT (parent_key) DO UPDATE SET live = live + 1;
        UPDATE doc_used_bytes SET bytes = bytes + new.size WHERE new.kind = 'document';
      END;
      CREATE TRIGGER doc_counts_ad AFTER DELETE ON doc_items BEGIN
        UPDATE doc_folder_counts SET live = live - 1 WHERE parent_key = old.parent_key AND old.trashed_at IS NULL;
        UPDATE doc_used_bytes SET bytes = bytes - old.size WHERE old.kind = 'document';
      END;
      CREATE TRIGGER doc_counts_au AFTER UPDATE OF parent_key, trashed_at, size, kind ON doc_items BEGIN
        UPDATE doc_folder_counts SET live = live - 1 WHERE parent_key = old.parent_key AND old.trashed_at IS NULL;
        INSERT INTO doc_folder_counts (parent_key, live) SELECT new.parent_key, 1 WHERE new.trashed_at IS NULL
          ON CONFLICT (parent_key) DO UPDATE SET live = live + 1;
        UPDATE doc_used_bytes SET bytes = bytes - (CASE old.kind WHEN 'document' THEN old.size ELSE 0 END)
          + (CASE new.kind WHEN 'document' THEN new.size ELSE 0 END);
      END;
    `);
  },
};
