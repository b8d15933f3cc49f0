import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPragmas, type Db } from '../../src/server/store/db.js';
import { migrate, schemaVersion } from '../../src/server/store/migrate.js';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';

const T = '2026-01-01T00:00:00.000Z';
const L = '2026-02-01T00:00:00.000Z';
let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-migration-0009-'));
  db = new Database(path.join(dir, 'test.db'));
  applyPragmas(db);
});
afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function seedVersion8(): void {
  migrate(db, MIGRATIONS, 8);
  db.prepare(`INSERT INTO schools (id, name, created_at, updated_at) VALUES ('s', 'Школа № 5', ?, ?)`).run(
    T,
    T,
  );
  const cls = db.prepare(
    `INSERT INTO classes (id, school_id, name, teacher, created_at, updated_at) VALUES (?, 's', ?, ?, ?, ?)`,
  );
  cls.run('c5a', '5 А', 'Иванова Мария Петровна', T, T);
  cls.run('c2b', '2 Б', 'Сидорова Ольга', T, T);
  const user = db.prepare(
    `INSERT INTO users (id, role, surname, name, school_id, class_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, 's', ?, ?, ?)`,
  );
  user.run('teacher', 'teacher', 'Иванова', 'Мария', 'c5a', T, T);
  user.run('kid1', 'student', 'Петров', 'Илья', 'c5a', T, T);
  user.run('kid2', 'student', 'Петрова', 'Аня', 'c5a', T, T);
  user.run('kid3', 'student', 'Орлов', 'Дима', 'c2b', T, T);
  user.run('mum', 'parent', 'Петрова', 'Анна', null, T, T);
  user.run('dad', 'parent', 'Орлов', 'Олег', null, T, T);
  const link = db.prepare(`INSERT INTO parent_links (child_id, parent_id, created_at) VALUES (?, ?, ?)`);
  link.run('kid1', 'mum', L);
  link.run('kid2', 'mum', T);
  link.run('kid3', 'dad', L);
}

describe('server migration 0009-chats', () => {
  it('gives every class its teacher account, a class chat and an announcements channel with its people', () => {
    seedVersion8();
    migrate(db, MIGRATIONS, 9);
    expect(schemaVersion(db)).toBe(9);

    const classes = db.prepare(`SELECT id, teacher, teacher_id AS teacherId FROM classes ORDER BY id`).all();
    expect(classes).toEqual([
      { id: 'c2b', teacher: 'Сидорова Ольга', teacherId: null },
      { id: 'c5a', teacher: 'Иванова Мария Петровна', teacherId: 'teacher' },
    ]);
    const chats = db
      .prepare(`SELECT class_id AS classId, kind, last_seq AS lastSeq FROM chats ORDER BY class_id, kind`)
      .all();
    expect(chats).toEqual([
      { classId: 'c2b', kind: 'announcements', lastSeq: 0 },
      { classId: 'c2b', kind: 'class', lastSeq: 0 },
      { classId: 'c5a', kind: 'announcements', lastSeq: 0 },
      { classId: 'c5a', kind: 'class', lastSeq: 0 },
    ]);
    const members = db
      .prepare(
        `SELECT c.class_id AS classId, c.kind, m.user_id AS userId, m.role, m.read_seq AS readSeq,
                m.joined_at AS joinedAt, m.left_seq AS leftSeq
           FROM chat_members m JOIN chats c ON c.id = m.chat_id ORDER BY c.class_id, c.kind, m.user_id`,
      )
      .all();
    const row = (classId: string, kind: string, userId: string, role: string, joinedAt: string) => ({
      classId,
      kind,
      userId,
      role,
      readSeq: 0,
      joinedAt,
      leftSeq: null,
    });
    // The mother of two children of 5 А is one member, since her first link.
    expect(members).toEqual([
      row('c2b', 'announcements', 'dad', 'member', L),
      row('c2b', 'class', 'dad', 'member', L),
      row('c5a', 'announcements', 'mum', 'member', T),
      row('c5a', 'announcements', 'teacher', 'teacher', T),
      row('c5a', 'class', 'mum', 'member', T),
      row('c5a', 'class', 'teacher', 'teacher', T),
    ]);
  });

  it('keeps one class chat per class, one direct chat per pair and one message per client id', () => {
    seedVersion8();
    migrate(db, MIGRATIONS, 9);
    const chat = db.prepare(
      `INSERT INTO chats (id, kind, school_id, class_id, direct_key, created_at, updated_at) VALUES (?, ?, 's', ?, ?, ?, ?)`,
    );
    expect(() => chat.run('x1', 'class', 'c5a', null, T, T)).toThrow(/UNIQUE/);
    chat.run('d1', 'direct', null, 'mum:teacher', T, T);
    expect(() => chat.run('d2', 'direct', null, 'mum:teacher', T, T)).toThrow(/UNIQUE/);
    expect(() => chat.run('d3', 'direct', 'c5a', 'dad:teacher', T, T)).toThrow(/CHECK/);
    expect(() => chat.run('x2', 'group', 'c5a', null, T, T)).toThrow(/CHECK/);
    const message = db.prepare(
      `INSERT INTO chat_messages (chat_id, seq, id, sender_id, client_id, text, created_at) VALUES ('d1', ?, ?, 'mum', ?, 'Здравствуйте', ?)`,
    );
    message.run(1, 'm1', 'client-1', T);
    expect(() => message.run(2, 'm2', 'client-1', T)).toThrow(/UNIQUE/);
    expect(() => message.run(1, 'm3', 'client-3', T)).toThrow(/UNIQUE|PRIMARY/);
    const ack = db.prepare(
      `INSERT INTO announcement_acks (chat_id, seq, user_id, at) VALUES ('d1', ?, 'mum', ?)`,
    );
    ack.run(1, T);
    expect(() => ack.run(7, T)).toThrow(/FOREIGN KEY/);
  });
});
