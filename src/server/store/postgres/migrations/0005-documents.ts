import type { PgMigration } from '../migrate.js';

/** Documents: folders, documents, uploads in progress and the key that signs download links (store/migrations/0005-documents.ts). */
export const m0005Documents: PgMigration = {
  version: 5,
  name: '0005-documents',
  async up(client) {
    await client.query(`
      CREATE TABLE folders (
        id text PRIMARY KEY,
        owner_id text NOT NULL REFERENCES users(id),
        parent_id text REFERENCES folders(id),
        name text NOT NULL,
        name_key text NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        trashed_at text,
        trash_root text
      );
      CREATE INDEX folders_owner ON folders(owner_id, parent_id);
      CREATE INDEX folders_trash ON folders(owner_id, trash_root);
      CREATE TABLE documents (
        id text PRIMARY KEY,
        owner_id text NOT NULL REFERENCES users(id),
        folder_id text REFERENCES folders(id),
        name text NOT NULL,
        name_key text NOT NULL,
        size bigint NOT NULL,
        mime text NOT NULL,
        sha256 text NOT NULL,
        blob_key text NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        trashed_at text,
        trash_root text
      );
      CREATE INDEX documents_owner ON documents(owner_id, folder_id);
      CREATE INDEX documents_trash ON documents(owner_id, trash_root);
      CREATE TABLE uploads (
        id text PRIMARY KEY,
        owner_id text NOT NULL REFERENCES users(id),
        size bigint NOT NULL,
        metadata text NOT NULL,
        state text NOT NULL CHECK (state IN ('active', 'done', 'failed')),
        document_id text,
        error text,
        created_at text NOT NULL
      );
      CREATE INDEX uploads_owner ON uploads(owner_id, state);
      INSERT INTO meta (key, value) VALUES ('download_key',
        md5(random()::text || clock_timestamp()::text) || md5(clock_timestamp()::text || random()::text));
    `);
  },
};
