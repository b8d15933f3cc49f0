import type { Migration } from '../migrate.js';

/**
 * Chat revisions: every new, edited or deleted message takes the chat's next `rev`
 * (`chats.last_rev`), so a device that holds a chat up to some revision asks for what
 * changed after it, edits and deletions of older messages included, in one anchor.
 * Existing messages take their seq (never edited yet, they changed in that order).
 */
export const m0010ChatRevisions: Migration = {
  version: 10,
  name: '0010-chat-revisions',
  up(db) {
    db.exec(`
      ALTER TABLE chats ADD COLUMN last_rev INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE chat_messages ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
      UPDATE chat_messages SET rev = seq;
      UPDATE chats SET last_rev = coalesce((SELECT max(rev) FROM chat_messages m WHERE m.chat_id = chats.id), 0);
      CREATE INDEX chat_messages_rev ON chat_messages(chat_id, rev);
    `);
  },
};
