import type { Migration } from '../migrate.js';

/** «ё» written as «е», so either finds both (the index and the query are folded alike). */
const FOLDED = (column: string) => `replace(replace(${column}, 'ё', 'е'), 'Ё', 'Е')`;

/**
 * Chat search and attachments.
 *
 * Search: an FTS5 index of every message's text (unicode61: case-folded words; «ё» kept
 * as «е»), kept by triggers on chat_messages, so a send, an edit and a deletion (its
 * text becomes empty) change it in the same transaction. chat_messages has no integer
 * rowid, so `chat_message_search` numbers the messages for the index.
 *
 * Attachments: one row per file of a message, naming the copy of the document's bytes
 * taken when it was sent (`blob_key`), so deleting the document later keeps the message whole.
 */
export const m0011ChatSearchAttachments: Migration = {
  version: 11,
  name: '0011-chat-search-attachments',
  up(db) {
    db.exec(`
      CREATE TABLE chat_message_search (
        id INTEGER PRIMARY KEY,
        chat_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        UNIQUE (chat_id, seq)
      );
      CREATE VIRTUAL TABLE chat_messages_fts USING fts5(body, tokenize = 'unicode61');
      INSERT INTO chat_message_search (chat_id, seq) SELECT chat_id, seq FROM chat_messages ORDER BY chat_id, seq;
      INSERT INTO chat_messages_fts (rowid, body)
        SELECT s.id, ${FOLDED('m.text')} FROM chat_message_search s
          JOIN chat_messages m ON m.chat_id = s.chat_id AND m.seq = s.seq;
      CREATE TRIGGER chat_messages_search_insert AFTER INSERT ON chat_messages BEGIN
        INSERT INTO chat_message_search (chat_id, seq) VALUES (new.chat_id, new.seq);
        INSERT INTO chat_messages_fts (rowid, body) VALUES (last_insert_rowid(), ${FOLDED('new.text')});
      END;
      CREATE TRIGGER chat_messages_search_update AFTER UPDATE OF text ON chat_messages BEGIN
        UPDATE chat_messages_fts SET body = ${FOLDED('new.text')}
          WHERE rowid = (SELECT id FROM chat_message_search WHERE chat_id = new.chat_id AND seq = new.seq);
      END;
      CREATE TRIGGER chat_messages_search_delete AFTER DELETE ON chat_messages BEGIN
        DELETE FROM chat_messages_fts
          WHERE rowid = (SELECT id FROM chat_message_search WHERE chat_id = old.chat_id AND seq = old.seq);
        DELETE FROM chat_message_search WHERE chat_id = old.chat_id AND seq = old.seq;
      END;
      CREATE TABLE chat_attachments (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        position INTEGER NOT NULL,
        document_id TEXT NOT NULL,
        name TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        mime TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        blob_key TEXT NOT NULL,
        FOREIGN KEY (chat_id, seq) REFERENCES chat_messages(chat_id, seq)
      );
      CREATE INDEX chat_attachments_message ON chat_attachments(chat_id, seq, position);
      CREATE INDEX message_reports_chat ON message_reports(chat_id, created_at);
    `);
  },
};
