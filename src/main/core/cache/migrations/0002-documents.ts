import type { CacheMigration } from './types.js';

/**
 * Typed tables for the document cloud. Folders and documents still arrive as generic
 * records (the sync engine stays entity-agnostic); triggers on `records` keep
 * `doc_items` in step in the same transaction, so the typed view can never disagree
 * with the records. `doc_items` carries the columns the screen sorts and filters by,
 * each with an index per folder, and `doc_fts` (FTS5, trigram) answers "name contains"
 * over 100,000 rows without a scan. The triggers use built-in SQL functions only, so
 * any connection (a tool, a test) can write records: SQLite's lower() folds ASCII, and
 * the Cyrillic capitals are folded by replace() (see `lower` below).
 * `upload_queue` is the persisted upload queue; `offline_files` the local copies.
 */
const CYRILLIC_CAPITALS = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ';

/** lower() plus the Russian alphabet, in built-in SQL. */
function lower(expr: string): string {
  let sql = `lower(${expr})`;
  for (const capital of CYRILLIC_CAPITALS) sql = `replace(${sql}, '${capital}', '${capital.toLowerCase()}')`;
  return sql;
}

/** The text after the last dot ('' for none), lower case: rtrim() strips back to the last dot. */
function ext(expr: string): string {
  return `CASE WHEN instr(${expr}, '.') > 1 THEN lower(replace(${expr}, rtrim(${expr}, replace(${expr}, '.', '')), '')) ELSE '' END`;
}

export const m0002Documents: CacheMigration = {
  version: 2,
  name: '0002-documents',
  up(db) {
    db.exec(`
      CREATE TABLE doc_items (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('folder', 'document')),
        -- '' for the top level, so equality (and its index) works without IS NULL.
        parent_key TEXT NOT NULL,
        name TEXT NOT NULL,
        name_lower TEXT NOT NULL,
        ext TEXT NOT NULL,
        size INTEGER NOT NULL,
        mime TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        trashed_at TEXT,
        trash_root TEXT,
        -- folders first in every listing
        kind_rank INTEGER NOT NULL
      );
      CREATE INDEX doc_items_by_name ON doc_items (parent_key, kind_rank, name_lower) WHERE trashed_at IS NULL;
      CREATE INDEX doc_items_by_date ON doc_items (parent_key, kind_rank, updated_at) WHERE trashed_at IS NULL;
      CREATE INDEX doc_items_by_size ON doc_items (parent_key, kind_rank, size) WHERE trashed_at IS NULL;
      CREATE INDEX doc_items_by_type ON doc_items (parent_key, kind_rank, ext, name_lower) WHERE trashed_at IS NULL;
      CREATE INDEX doc_items_live_name ON doc_items (kind_rank, name_lower) WHERE trashed_at IS NULL;
      CREATE INDEX doc_items_trash ON doc_items (trash_root) WHERE trash_root IS NOT NULL;

      CREATE VIRTUAL TABLE doc_fts USING fts5 (name, content = 'doc_items', content_rowid = 'rowid', tokenize = 'trigram');
      CREATE TRIGGER doc_items_ai AFTER INSERT ON doc_items BEGIN
        INSERT INTO doc_fts (rowid, name) VALUES (new.rowid, new.name);
      END;
      CREATE TRIGGER doc_items_ad AFTER DELETE ON doc_items BEGIN
        INSERT INTO doc_fts (doc_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
      END;
      CREATE TRIGGER doc_items_au AFTER UPDATE OF name ON doc_items BEGIN
        INSERT INTO doc_fts (doc_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
        INSERT INTO doc_fts (rowid, name) VALUES (new.rowid, new.name);
      END;

      CREATE TRIGGER records_doc_ai AFTER INSERT ON records WHEN new.entity IN ('folder', 'document') BEGIN
        INSERT INTO doc_items (id, kind, parent_key, name, name_lower, ext, size, mime, updated_at, trashed_at, trash_root, kind_rank)
        VALUES (new.id, new.entity,
          coalesce(json_extract(new.data, CASE new.entity WHEN 'folder' THEN '$.parentId' ELSE '$.folderId' END), ''),
          json_extract(new.data, '$.name'), ${lower("json_extract(new.data, '$.name')")},
          CASE new.entity WHEN 'folder' THEN '' ELSE ${ext("json_extract(new.data, '$.name')")} END,
          coalesce(json_extract(new.data, '$.size'), 0), coalesce(json_extract(new.data, '$.mime'), ''),
          coalesce(json_extract(new.data, '$.updatedAt'), ''), json_extract(new.data, '$.trashedAt'),
          json_extract(new.data, '$.trashRoot'), CASE new.entity WHEN 'folder' THEN 0 ELSE 1 END)
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, parent_key = excluded.parent_key, name = excluded.name,
          name_lower = excluded.name_lower, ext = excluded.ext, size = excluded.size, mime = excluded.mime,
          updated_at = excluded.updated_at, trashed_at = excluded.trashed_at, trash_root = excluded.trash_root,
          kind_rank = excluded.kind_rank;
      END;
      CREATE TRIGGER records_doc_au AFTER UPDATE ON records WHEN new.entity IN ('folder', 'document') BEGIN
        UPDATE doc_items SET
          parent_key = coalesce(json_extract(new.data, CASE new.entity WHEN 'folder' THEN '$.parentId' ELSE '$.folderId' END), ''),
          name = json_extract(new.data, '$.name'), name_lower = ${lower("json_extract(new.data, '$.name')")},
          ext = CASE new.entity WHEN 'folder' THEN '' ELSE ${ext("json_extract(new.data, '$.name')")} END,
          size = coalesce(json_extract(new.data, '$.size'), 0), mime = coalesce(json_extract(new.data, '$.mime'), ''),
          updated_at = coalesce(json_extract(new.data, '$.updatedAt'), ''), trashed_at = json_extract(new.data, '$.trashedAt'),
          trash_root = json_extract(new.data, '$.trashRoot')
        WHERE id = new.id;
      END;
      CREATE TRIGGER records_doc_ad AFTER DELETE ON records WHEN old.entity IN ('folder', 'document') BEGIN
        DELETE FROM doc_items WHERE id = old.id;
      END;

      CREATE TABLE upload_queue (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        path TEXT NOT NULL,
        name TEXT NOT NULL,
        folder_id TEXT,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        sha256 TEXT,
        upload_url TEXT,
        offset INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL CHECK (state IN ('queued', 'hashing', 'uploading', 'paused', 'done', 'failed', 'cancelled')),
        error_code TEXT,
        error_message TEXT,
        document_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX upload_queue_order ON upload_queue (user_id, seq);
      CREATE INDEX upload_queue_state ON upload_queue (user_id, state, seq);

      CREATE TABLE offline_files (
        document_id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        keep INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;

      -- Records cached before this version.
      INSERT INTO doc_items (id, kind, parent_key, name, name_lower, ext, size, mime, updated_at, trashed_at, trash_root, kind_rank)
      SELECT id, entity,
        coalesce(json_extract(data, CASE entity WHEN 'folder' THEN '$.parentId' ELSE '$.folderId' END), ''),
        json_extract(data, '$.name'), ${lower("json_extract(data, '$.name')")},
        CASE entity WHEN 'folder' THEN '' ELSE ${ext("json_extract(data, '$.name')")} END,
        coalesce(json_extract(data, '$.size'), 0), coalesce(json_extract(data, '$.mime'), ''),
        coalesce(json_extract(data, '$.updatedAt'), ''), json_extract(data, '$.trashedAt'),
        json_extract(data, '$.trashRoot'), CASE entity WHEN 'folder' THEN 0 ELSE 1 END
      FROM records WHERE entity IN ('folder', 'document');
    `);
  },
};
