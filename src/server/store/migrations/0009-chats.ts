import crypto from 'node:crypto';
import type { Migration } from '../migrate.js';

/**
 * Chats with the school: a class chat and an announcements channel per class, and direct
 * chats of two people (`direct_key`: both ids sorted, so a pair has exactly one). Messages
 * are numbered per chat (`seq`, from `chats.last_seq` in the write transaction); read state
 * is one pointer per member (`read_seq`); a member who left reads up to `left_seq`. A
 * sender's `client_id` is unique, so a retried send finds the first message.
 *
 * Classes get `teacher_id`, the class teacher's account (the `teacher` text stays shown
 * until one is linked): existing classes take their first teacher account of the class.
 * Every existing class gets its two chats, with its teacher and the parents of its students.
 */
export const m0009Chats: Migration = {
  version: 9,
  name: '0009-chats',
  up(db) {
    db.exec(`
      ALTER TABLE classes ADD COLUMN teacher_id TEXT REFERENCES users(id);
      CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('class', 'direct', 'announcements')),
        school_id TEXT REFERENCES schools(id),
        class_id TEXT REFERENCES classes(id),
        direct_key TEXT UNIQUE,
        last_seq INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK ((kind = 'direct') = (direct_key IS NOT NULL)),
        CHECK ((kind = 'direct') = (class_id IS NULL))
      );
      CREATE UNIQUE INDEX chats_class ON chats(class_id, kind) WHERE class_id IS NOT NULL;
      CREATE TABLE chat_members (
        chat_id TEXT NOT NULL REFERENCES chats(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        role TEXT NOT NULL CHECK (role IN ('member', 'teacher', 'admin')),
        read_seq INTEGER NOT NULL DEFAULT 0,
        joined_at TEXT NOT NULL,
        left_at TEXT,
        left_seq INTEGER,
        muted INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1)),
        PRIMARY KEY (chat_id, user_id),
        CHECK ((left_at IS NULL) = (left_seq IS NULL))
      ) WITHOUT ROWID;
      CREATE INDEX chat_members_user ON chat_members(user_id, chat_id);
      CREATE TABLE chat_messages (
        chat_id TEXT NOT NULL REFERENCES chats(id),
        seq INTEGER NOT NULL CHECK (seq > 0),
        id TEXT NOT NULL UNIQUE,
        sender_id TEXT NOT NULL REFERENCES users(id),
        client_id TEXT NOT NULL,
        text TEXT NOT NULL,
        reply_to_seq INTEGER,
        attachments TEXT CHECK (attachments IS NULL OR json_valid(attachments)),
        created_at TEXT NOT NULL,
        edited_at TEXT,
        deleted_at TEXT,
        deleted_by TEXT CHECK (deleted_by IS NULL OR deleted_by IN ('sender', 'admin')),
        PRIMARY KEY (chat_id, seq),
        UNIQUE (sender_id, client_id),
        CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
      ) WITHOUT ROWID;
      CREATE TABLE announcement_acks (
        chat_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        user_id TEXT NOT NULL REFERENCES users(id),
        at TEXT NOT NULL,
        PRIMARY KEY (chat_id, seq, user_id),
        FOREIGN KEY (chat_id, seq) REFERENCES chat_messages(chat_id, seq)
      ) WITHOUT ROWID;
      CREATE TABLE message_reports (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        reporter_id TEXT NOT NULL REFERENCES users(id),
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (chat_id, seq, reporter_id),
        FOREIGN KEY (chat_id, seq) REFERENCES chat_messages(chat_id, seq)
      );
      UPDATE classes SET teacher_id = (
        SELECT u.id FROM users u WHERE u.role = 'teacher' AND u.class_id = classes.id
        ORDER BY u.created_at, u.id LIMIT 1
      );
    `);
    const classes = db
      .prepare(
        `SELECT id, school_id AS schoolId, teacher_id AS teacherId, created_at AS createdAt FROM classes`,
      )
      .all() as { id: string; schoolId: string; teacherId: string | null; createdAt: string }[];
    const chat = db.prepare(
      `INSERT INTO chats (id, kind, school_id, class_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const member = db.prepare(
      `INSERT OR IGNORE INTO chat_members (chat_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)`,
    );
    const parents = db.prepare(
      `SELECT l.parent_id AS parentId, MIN(l.created_at) AS since
         FROM parent_links l JOIN users s ON s.id = l.child_id
        WHERE s.class_id = ? GROUP BY l.parent_id`,
    );
    for (const cls of classes) {
      for (const kind of ['class', 'announcements'] as const) {
        const id = crypto.randomUUID();
        chat.run(id, kind, cls.schoolId, cls.id, cls.createdAt, cls.createdAt);
        if (cls.teacherId) member.run(id, cls.teacherId, 'teacher', cls.createdAt);
        for (const p of parents.all(cls.id) as { parentId: string; since: string }[]) {
          member.run(id, p.parentId, 'member', p.since);
        }
      }
    }
  },
};
