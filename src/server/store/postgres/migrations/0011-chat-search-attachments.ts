import type { PgMigration } from '../migrate.js';

const UPPER = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯABCDEFGHIJKLMNOPQRSTUVWXYZё';
const LOWER = 'абвгдеежзийклмнопрстуфхцчшщъыьэюяabcdefghijklmnopqrstuvwxyzе';

/**
 * Chat search and attachments (store/migrations/0011-chat-search-attachments.ts). Search:
 * a GIN index of each message's words, lower case with «ё» as «е» (`chat_fold`, by
 * translate, so it holds under any locale, the C one included); a query's words are
 * prefixes (`word:*`). Attachments: one row per file, naming the copy of its bytes.
 */
export const m0011ChatSearchAttachments: PgMigration = {
  version: 11,
  name: '0011-chat-search-attachments',
  async up(client) {
    await client.query(`
      CREATE FUNCTION chat_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT translate(t, '${UPPER}', '${LOWER}') $$;
      CREATE INDEX chat_messages_search ON chat_messages USING gin (to_tsvector('simple', chat_fold(text)));
      CREATE TABLE chat_attachments (
        id text PRIMARY KEY,
        chat_id text NOT NULL,
        seq bigint NOT NULL,
        position integer NOT NULL,
        document_id text NOT NULL,
        name text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        mime text NOT NULL,
        sha256 text NOT NULL,
        blob_key text NOT NULL,
        FOREIGN KEY (chat_id, seq) REFERENCES chat_messages(chat_id, seq)
      );
      CREATE INDEX chat_attachments_message ON chat_attachments(chat_id, seq, position);
      CREATE INDEX message_reports_chat ON message_reports(chat_id, created_at);
    `);
  },
};
