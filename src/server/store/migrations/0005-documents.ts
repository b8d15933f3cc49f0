import type { Migration } from '../migrate.js';

/**
 * Documents: folders, documents, uploads in progress (for the quota and for ownership
 * of tus upload ids), and the key that signs browser download links. Names are unique
 * among the live (not trashed) items of one folder, compared by `name_key` (lower case).
 */
export const m0005Documents: Migration = {
  version: 5,
  name: '0005-documents',
  up(db) {
    db.exec(`
      CREATE TABLE folders (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id),
        parent_id TEXT REFERENCES folders(id),
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        trashed_at TEXT,
        trash_root TEXT
      );
      CREATE INDEX folders_owner ON folders(owner_id, parent_id);
      CREATE INDEX folders_trash ON folders(owner_id, trash_root);
      CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id),
        folder_id TEXT REFERENCES folders(id),
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        size INTEGER NOT NULL,
        mime TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        blob_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        trashed_at TEXT,
        trash_root TEXT
      );
      CREATE INDEX documents_owner ON documents(owner_id, folder_id);
      CREATE INDEX documents_trash ON documents(owner_id, trash_root);
      CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id),
        size INTEGER NOT NULL,
        metadata TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('active', 'done', 'failed')),
        document_id TEXT,
        error TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX uploads_owner ON uploads(owner_id, state);
      INSERT INTO meta (key, value) VALUES ('download_key', lower(hex(randomblob(32))));
    `);
  },
};
