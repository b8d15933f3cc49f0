import type { CacheMigration } from './types.js';

/**
 * Chats on the desktop. The chats themselves are the feed's `chat` records (in `records`);
 * these tables hold what the feed does not carry:
 * - `chat_messages`: the history of the chats the person opened, one contiguous run of seqs
 *   per chat (`chat_held.low_seq` up to the newest), kept up to date by revision
 *   (`chat_held.rev`: edits and deletions of older messages come back `changedAfter` it);
 *   `client_id` is set on the messages this device sent (their stable key on screen);
 * - `chat_search`: FTS5 over the messages' texts, normalised (lower case, ё → е), its rowid
 *   the message's rowid;
 * - `chat_outbox`: messages shown as «Отправляется» until the server numbers them, sent in
 *   order with their client id; a refusal stays as «Не отправлено» with its code and sentence;
 * - `chat_held`: per chat, the run held, the revision caught up to, the members' read
 *   pointers («Прочитали N из M») and a read pointer not yet told to the server;
 * - `chat_drafts`: what was typed and not sent, per person and chat;
 * - `chat_owner`: whose history the tables hold (another person signing in starts empty).
 */
export const m0008Chats: CacheMigration = {
  version: 8,
  name: '0008-chats',
  up(db) {
    db.exec(`
      CREATE TABLE chat_messages (
        chat_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        rev INTEGER NOT NULL,
        id TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        sender_name TEXT NOT NULL,
        text TEXT NOT NULL,
        reply_to_seq INTEGER,
        created_at TEXT NOT NULL,
        edited_at TEXT,
        deleted_at TEXT,
        deleted_by TEXT,
        attachments TEXT NOT NULL DEFAULT '[]',
        acked INTEGER,
        client_id TEXT,
        UNIQUE (chat_id, seq)
      );
      CREATE INDEX chat_messages_created ON chat_messages (created_at);

      CREATE VIRTUAL TABLE chat_search USING fts5 (body, tokenize = 'unicode61 remove_diacritics 0');

      CREATE TABLE chat_held (
        chat_id TEXT PRIMARY KEY,
        low_seq INTEGER NOT NULL,
        high_seq INTEGER NOT NULL,
        rev INTEGER NOT NULL,
        members TEXT,
        local_read_seq INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;

      CREATE TABLE chat_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        text TEXT NOT NULL,
        reply_to_seq INTEGER,
        document_ids TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sending', 'failed')),
        error_code TEXT,
        error_message TEXT
      );
      CREATE INDEX chat_outbox_user ON chat_outbox (user_id, seq);

      CREATE TABLE chat_drafts (
        user_id TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (user_id, chat_id)
      ) WITHOUT ROWID;

      CREATE TABLE chat_owner (
        only INTEGER PRIMARY KEY CHECK (only = 1),
        user_id TEXT NOT NULL
      );
    `);
  },
};
