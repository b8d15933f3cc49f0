import type { PgMigration } from '../migrate.js';

/** Chats with the school: class chats, announcements and direct chats, members with one read pointer each, messages numbered per chat (store/migrations/0009-chats.ts). Every existing class gets its two chats, with its teacher and the parents of its students, in SQL. */
export const m0009Chats: PgMigration = {
  version: 9,
  name: '0009-chats',
  async up(client) {
    await client.query(`
      ALTER TABLE classes ADD COLUMN teacher_id text REFERENCES users(id);
      CREATE TABLE chats (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('class', 'direct', 'announcements')),
        school_id text REFERENCES schools(id),
        class_id text REFERENCES classes(id),
        direct_key text UNIQUE,
        last_seq bigint NOT NULL DEFAULT 0,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        CHECK ((kind = 'direct') = (direct_key IS NOT NULL)),
        CHECK ((kind = 'direct') = (class_id IS NULL))
      );
      CREATE UNIQUE INDEX chats_class ON chats(class_id, kind) WHERE class_id IS NOT NULL;
      CREATE TABLE chat_members (
        chat_id text NOT NULL REFERENCES chats(id),
        user_id text NOT NULL REFERENCES users(id),
        role text NOT NULL CHECK (role IN ('member', 'teacher', 'admin')),
        read_seq bigint NOT NULL DEFAULT 0,
        joined_at text NOT NULL,
        left_at text,
        left_seq bigint,
        muted boolean NOT NULL DEFAULT false,
        PRIMARY KEY (chat_id, user_id),
        CHECK ((left_at IS NULL) = (left_seq IS NULL))
      );
      CREATE INDEX chat_members_user ON chat_members(user_id, chat_id);
      CREATE TABLE chat_messages (
        chat_id text NOT NULL REFERENCES chats(id),
        seq bigint NOT NULL CHECK (seq > 0),
        id text NOT NULL UNIQUE,
        sender_id text NOT NULL REFERENCES users(id),
        client_id text NOT NULL,
        text text NOT NULL,
        reply_to_seq bigint,
        attachments json,
        created_at text NOT NULL,
        edited_at text,
        deleted_at text,
        deleted_by text CHECK (deleted_by IS NULL OR deleted_by IN ('sender', 'admin')),
        PRIMARY KEY (chat_id, seq),
        UNIQUE (sender_id, client_id),
        CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
      );
      CREATE TABLE announcement_acks (
        chat_id text NOT NULL,
        seq bigint NOT NULL,
        user_id text NOT NULL REFERENCES users(id),
        at text NOT NULL,
        PRIMARY KEY (chat_id, seq, user_id),
        FOREIGN KEY (chat_id, seq) REFERENCES chat_messages(chat_id, seq)
      );
      CREATE TABLE message_reports (
        id text PRIMARY KEY,
        chat_id text NOT NULL,
        seq bigint NOT NULL,
        reporter_id text NOT NULL REFERENCES users(id),
        reason text NOT NULL,
        created_at text NOT NULL,
        UNIQUE (chat_id, seq, reporter_id),
        FOREIGN KEY (chat_id, seq) REFERENCES chat_messages(chat_id, seq)
      );
      UPDATE classes SET teacher_id = (
        SELECT u.id FROM users u WHERE u.role = 'teacher' AND u.class_id = classes.id
        ORDER BY u.created_at, u.id LIMIT 1
      );
      INSERT INTO chats (id, kind, school_id, class_id, created_at, updated_at)
        SELECT gen_random_uuid()::text, k.kind, c.school_id, c.id, c.created_at, c.created_at
          FROM classes c CROSS JOIN (VALUES ('class'), ('announcements')) AS k(kind);
      INSERT INTO chat_members (chat_id, user_id, role, joined_at)
        SELECT ch.id, c.teacher_id, 'teacher', c.created_at
          FROM chats ch JOIN classes c ON c.id = ch.class_id WHERE c.teacher_id IS NOT NULL
        ON CONFLICT DO NOTHING;
      INSERT INTO chat_members (chat_id, user_id, role, joined_at)
        SELECT ch.id, l.parent_id, 'member', min(l.created_at)
          FROM chats ch JOIN users s ON s.class_id = ch.class_id JOIN parent_links l ON l.child_id = s.id
         GROUP BY ch.id, l.parent_id
        ON CONFLICT DO NOTHING;
    `);
  },
};
