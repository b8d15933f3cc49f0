import type { PgMigration } from '../migrate.js';

/** Chat revisions: every new, edited or deleted message takes the chat's next `rev` (store/migrations/0010-chat-revisions.ts). */
export const m0010ChatRevisions: PgMigration = {
  version: 10,
  name: '0010-chat-revisions',
  async up(client) {
    await client.query(`
      ALTER TABLE chats ADD COLUMN last_rev bigint NOT NULL DEFAULT 0;
      ALTER TABLE chat_messages ADD COLUMN rev bigint NOT NULL DEFAULT 0;
      UPDATE chat_messages SET rev = seq;
      UPDATE chats SET last_rev = coalesce((SELECT max(rev) FROM chat_messages m WHERE m.chat_id = chats.id), 0);
      CREATE INDEX chat_messages_rev ON chat_messages(chat_id, rev);
    `);
  },
};
